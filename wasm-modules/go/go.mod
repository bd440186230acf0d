module kelpie.dev/guest

go 1.23
