/*
 * A C guest for the tests of a WASI guest environment (bundles/guest-wasi, the runtime, the shell, the
 * itests): it reads its arguments and environment and uses the directory it was given (seen at /data) as
 * ordinary C code on wasi-libc does, and it tries to escape it. Failures answer `errno=<n>` with
 * wasi-libc's errno, which is the WASI errno (76 ENOTCAPABLE, 69 EROFS, 19 EDQUOT, 44 ENOENT, ...).
 *
 * | operation  | payload          | effect and result                                                     |
 * |------------|------------------|-----------------------------------------------------------------------|
 * | `args`     | ignored          | the arguments (args_get), joined with `|`                              |
 * | `env`      | ignored          | `environ`, joined with `|`                                             |
 * | `list`     | directory        | the names in it but `.` and `..`, sorted, joined with `|`             |
 * | `read`     | path             | the file's content (at most 64 KiB)                                    |
 * | `stat`     | path             | `size=<n>` (stat follows links, as C code does)                        |
 * | `write`    | path `\n` text   | creates or truncates the file and writes the text; `ok`               |
 * | `fill`     | path `\n` n      | creates or truncates the file and writes n bytes in 64 KiB writes; `ok` |
 * | `mkdir`    | path             | mkdir; `ok`                                                            |
 * | `unlink`   | path             | unlink; `ok`                                                           |
 * | `rename`   | from `\n` to     | rename; `ok`                                                           |
 * | `symlink`  | target `\n` link | symlink; `ok`                                                          |
 * | `raw_open` | path             | path_open on the preopened fd 3 with exactly that path (no libc path handling), read-only; `ok` |
 * | `raw_bytes`| bytes            | path_open on fd 3 with the payload's bytes as the path, NULs included: `ok` or `errno=<n>` |
 * | `raw_at`   | `ptr len`        | path_open on fd 3 with that pointer and length, unchecked: `ok` or `errno=<n>` |
 * | `open_many`| path `\n` n      | opens the file n times (at most 256) before closing them: `opened=<k>`, or `opened=<k> errno=<n>` |
 */
#define _DEFAULT_SOURCE
#define KELPIE_IMPLEMENTATION
#include "../kelpie.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

extern char **environ;

#define MAX_TEXT 65536

static char text[MAX_TEXT + 1];

/* The payload as a NUL-terminated string in `text` (cut at MAX_TEXT). */
static char *payload_text(const uint8_t *payload, size_t len) {
    size_t n = len < MAX_TEXT ? len : MAX_TEXT;
    memcpy(text, payload, n);
    text[n] = 0;
    return text;
}

/* Splits "a\nb" in `text` into a and b; b is NULL without a newline. */
static char *second(char *first) {
    char *nl = strchr(first, '\n');
    if (nl == NULL) {
        return NULL;
    }
    *nl = 0;
    return nl + 1;
}

static void respond_errno(int e) {
    char out[24];
    int n = snprintf(out, sizeof out, "errno=%d", e);
    kelpie_respond(out, (size_t)n);
}

static void respond_result(int rc) {
    if (rc == 0) {
        kelpie_respond_str("ok");
    } else {
        respond_errno(errno);
    }
}

/* Appends s to out (capacity MAX_TEXT) with a '|' before all but the first. */
static size_t join(char *out, size_t used, const char *s) {
    size_t n = strlen(s);
    if (used > 0 && used < MAX_TEXT) {
        out[used++] = '|';
    }
    if (used + n > MAX_TEXT) {
        n = MAX_TEXT - used;
    }
    memcpy(out + used, s, n);
    return used + n;
}

static char joined[MAX_TEXT + 1];

static void args(const uint8_t *payload, size_t len) {
    (void)payload;
    (void)len;
    __wasi_size_t argc, size;
    if (__wasi_args_sizes_get(&argc, &size) != 0) {
        kelpie_fail("args_sizes_get failed");
        return;
    }
    char **argv = calloc(argc + 1, sizeof(char *));
    char *buf = malloc(size + 1);
    if (argv == NULL || buf == NULL || __wasi_args_get((uint8_t **)argv, (uint8_t *)buf) != 0) {
        kelpie_fail("args_get failed");
        return;
    }
    size_t used = 0;
    for (__wasi_size_t i = 0; i < argc; i++) {
        used = join(joined, used, argv[i]);
    }
    free(argv);
    free(buf);
    kelpie_respond(joined, used);
}

static void env(const uint8_t *payload, size_t len) {
    (void)payload;
    (void)len;
    size_t used = 0;
    for (char **e = environ; e != NULL && *e != NULL; e++) {
        used = join(joined, used, *e);
    }
    kelpie_respond(joined, used);
}

static int compare(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const uint8_t *payload, size_t len) {
    DIR *dir = opendir(payload_text(payload, len));
    if (dir == NULL) {
        respond_errno(errno);
        return;
    }
    char *names[256];
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && count < 256) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
            names[count++] = strdup(entry->d_name);
        }
    }
    closedir(dir);
    qsort(names, (size_t)count, sizeof(char *), compare);
    size_t used = 0;
    for (int i = 0; i < count; i++) {
        used = join(joined, used, names[i]);
        free(names[i]);
    }
    kelpie_respond(joined, used);
}

static void read_file(const uint8_t *payload, size_t len) {
    FILE *f = fopen(payload_text(payload, len), "r");
    if (f == NULL) {
        respond_errno(errno);
        return;
    }
    size_t n = fread(joined, 1, MAX_TEXT, f);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        respond_errno(EIO);
        return;
    }
    kelpie_respond(joined, n);
}

static void stat_file(const uint8_t *payload, size_t len) {
    struct stat st;
    if (stat(payload_text(payload, len), &st) != 0) {
        respond_errno(errno);
        return;
    }
    char out[32];
    int n = snprintf(out, sizeof out, "size=%lld", (long long)st.st_size);
    kelpie_respond(out, (size_t)n);
}

/* Writes n bytes: from data, or 'x' when data is NULL. */
static int write_out(const char *path, const char *data, long n) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        return -1;
    }
    static char chunk[65536];
    if (data == NULL) {
        memset(chunk, 'x', sizeof chunk);
    }
    long done = 0;
    while (done < n) {
        long step = n - done < (long)sizeof chunk ? n - done : (long)sizeof chunk;
        ssize_t w = write(fd, data == NULL ? chunk : data + done, (size_t)step);
        if (w < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        done += w;
    }
    return close(fd);
}

static void write_file(const uint8_t *payload, size_t len) {
    char *path = payload_text(payload, len);
    char *content = second(path);
    if (content == NULL) {
        kelpie_fail("write needs path\\ntext");
        return;
    }
    respond_result(write_out(path, content, (long)strlen(content)));
}

static void fill(const uint8_t *payload, size_t len) {
    char *path = payload_text(payload, len);
    char *n = second(path);
    if (n == NULL) {
        kelpie_fail("fill needs path\\nn");
        return;
    }
    respond_result(write_out(path, NULL, strtol(n, NULL, 10)));
}

static void make_dir(const uint8_t *payload, size_t len) {
    respond_result(mkdir(payload_text(payload, len), 0755));
}

static void unlink_file(const uint8_t *payload, size_t len) {
    respond_result(unlink(payload_text(payload, len)));
}

static void rename_file(const uint8_t *payload, size_t len) {
    char *from = payload_text(payload, len);
    char *to = second(from);
    if (to == NULL) {
        kelpie_fail("rename needs from\\nto");
        return;
    }
    respond_result(rename(from, to));
}

static void make_symlink(const uint8_t *payload, size_t len) {
    char *target = payload_text(payload, len);
    char *link = second(target);
    if (link == NULL) {
        kelpie_fail("symlink needs target\\nlink");
        return;
    }
    respond_result(symlink(target, link));
}

static void raw_open(const uint8_t *payload, size_t len) {
    char *path = payload_text(payload, len);
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0,
                                        __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK, 0, 0, &fd);
    if (e != 0) {
        respond_errno(e);
        return;
    }
    __wasi_errno_t closed = __wasi_fd_close(fd);
    (void)closed;
    kelpie_respond_str("ok");
}

/* WASI's path_open with the pointer and length as given (wasi-libc's wrapper takes a C string). */
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags, int64_t rights,
                      int64_t inheriting, int32_t fdflags, int32_t fd_ptr)
    __attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")));

static void respond_raw(int32_t e, int32_t fd) {
    if (e != 0) {
        respond_errno(e);
        return;
    }
    __wasi_errno_t closed = __wasi_fd_close((__wasi_fd_t)fd);
    (void)closed;
    kelpie_respond_str("ok");
}

static void raw_bytes(const uint8_t *payload, size_t len) {
    static char path[MAX_TEXT];
    size_t n = len < MAX_TEXT ? len : MAX_TEXT;
    memcpy(path, payload, n);
    int32_t fd = -1;
    int32_t e = raw_path_open(3, 0, (int32_t)(intptr_t)path, (int32_t)n, 0, __WASI_RIGHTS_FD_READ, 0, 0,
                              (int32_t)(intptr_t)&fd);
    respond_raw(e, fd);
}

static void raw_at(const uint8_t *payload, size_t len) {
    char *end;
    long long ptr = strtoll(payload_text(payload, len), &end, 10);
    long long n = strtoll(end, NULL, 10);
    int32_t fd = -1;
    int32_t e = raw_path_open(3, 0, (int32_t)ptr, (int32_t)n, 0, __WASI_RIGHTS_FD_READ, 0, 0, (int32_t)(intptr_t)&fd);
    respond_raw(e, fd);
}

static void open_many(const uint8_t *payload, size_t len) {
    char *path = payload_text(payload, len);
    char *n = second(path);
    if (n == NULL) {
        kelpie_fail("open_many needs path\\nn");
        return;
    }
    long wanted = strtol(n, NULL, 10);
    int fds[256];
    int opened = 0, failure = 0;
    while (opened < wanted && opened < 256) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            failure = errno;
            break;
        }
        fds[opened++] = fd;
    }
    for (int i = 0; i < opened; i++) {
        close(fds[i]);
    }
    char out[48];
    int m = failure == 0 ? snprintf(out, sizeof out, "opened=%d", opened)
                         : snprintf(out, sizeof out, "opened=%d errno=%d", opened, failure);
    kelpie_respond(out, (size_t)m);
}

KELPIE_EXPORT("wapc_init") void wapc_init(void) {
    kelpie_register("args", args);
    kelpie_register("env", env);
    kelpie_register("list", list);
    kelpie_register("read", read_file);
    kelpie_register("stat", stat_file);
    kelpie_register("write", write_file);
    kelpie_register("fill", fill);
    kelpie_register("mkdir", make_dir);
    kelpie_register("unlink", unlink_file);
    kelpie_register("rename", rename_file);
    kelpie_register("symlink", make_symlink);
    kelpie_register("raw_open", raw_open);
    kelpie_register("raw_bytes", raw_bytes);
    kelpie_register("raw_at", raw_at);
    kelpie_register("open_many", open_many);
}
