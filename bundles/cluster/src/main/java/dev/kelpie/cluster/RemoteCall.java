package dev.kelpie.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One message on its way to its actor's member: sent to the partition owner, followed to the new owner when
 * the answer is "moved" (at most {@code max_moves} times), and failed with {@link Reason#UNAVAILABLE}
 * naming the member when no answer comes before the deadline or the member leaves.
 */
final class RemoteCall implements ExecutionCallback<RemoteReply> {
    /** How long a call waits before it looks again for a partition without an owner, or one that did not move yet. */
    static final long RETRY_DELAY_MILLIS = 20;

    private final ClusterNode node;
    private final ActorId id;
    private final String operation;
    private final byte[] payload;
    /** The actors waiting for this message (the sending actor last), carried to the owner. */
    private final List<ActorId> callChain;
    private final long deadlineNanos;
    private final long timeoutMillis;
    final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private volatile ScheduledFuture<?> timer;
    private volatile String target = "(no owner yet)";
    private int moves;

    RemoteCall(ClusterNode node, ActorId id, String operation, byte[] payload, List<ActorId> callChain,
            long timeoutNanos) {
        this.node = node;
        this.id = id;
        this.operation = operation;
        this.payload = payload;
        this.callChain = List.copyOf(callChain);
        this.timeoutMillis = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
        this.deadlineNanos = System.nanoTime() + timeoutNanos;
    }

    CompletableFuture<byte[]> start(Member owner) {
        try {
            timer = node.scheduler().schedule(this::timedOut, Math.max(0, deadlineNanos - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            fail("this member (" + node.localAddress() + ") is leaving the cluster");
            return result;
        }
        result.whenComplete((v, t) -> {
            ScheduledFuture<?> f = timer;
            if (f != null) {
                f.cancel(false);
            }
        });
        attempt(owner);
        return result;
    }

    private void attempt(Member owner) {
        if (result.isDone()) {
            return;
        }
        if (owner == null) {
            later(); // the partition is between owners: look again shortly, within the deadline
            return;
        }
        target = HazelcastClusterView.address(owner);
        if (owner.localMember()) {
            node.runtime().invokeLocal(id, operation, payload, callChain).whenComplete((answer, failure) -> {
                if (failure == null) {
                    result.complete(answer);
                } else {
                    result.completeExceptionally(failure instanceof java.util.concurrent.CompletionException
                            && failure.getCause() != null ? failure.getCause() : failure);
                }
            });
            return;
        }
        long waitMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        try {
            node.calls().submitToMember(new RemoteInvocation(id.namespace(), id.id(), operation, payload, callChain,
                    Math.max(1, waitMillis)), owner, this);
        } catch (RuntimeException e) {
            onFailure(e);
        }
    }

    private void later() {
        try {
            node.scheduler().schedule(() -> attempt(node.view().owner(id)), RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            fail("this member (" + node.localAddress() + ") is leaving the cluster");
        }
    }

    @Override
    public void onResponse(RemoteReply reply) {
        switch (reply.kind()) {
            case RemoteReply.OK:
                result.complete(reply.answer());
                break;
            case RemoteReply.FAILED:
                result.completeExceptionally(new ActorInvocationException(id, operation, reply.reason(), reply.detail()));
                break;
            default:
                moved(reply.detail());
        }
    }

    /** The member no longer owns the actor and did not run the message: follow the actor. */
    private void moved(String why) {
        moves++;
        if (moves > node.settings().maxMoves()) {
            fail("the actor moved " + moves + " times while the message followed it (last from member " + target
                    + ": " + why + "); the message did not run");
            return;
        }
        node.testHooks().moved(id, moves);
        Member owner = node.view().owner(id);
        if (owner != null && HazelcastClusterView.address(owner).equals(target) && !owner.localMember()) {
            later(); // this member's partition table is not updated yet
        } else {
            attempt(owner);
        }
    }

    @Override
    public void onFailure(Throwable t) {
        Throwable c = t instanceof java.util.concurrent.ExecutionException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof TargetNotMemberException) {
            moved("member " + target + " is no longer a member"); // not sent: safe to follow the actor
        } else if (c instanceof MemberLeftException) {
            fail("member " + target + " left the cluster during the call; the message may have run: its outcome is unknown");
        } else if (c instanceof HazelcastInstanceNotActiveException) {
            fail("this member (" + node.localAddress() + ") is leaving the cluster; the message to member " + target
                    + " may have run: its outcome is unknown");
        } else if (c instanceof RejectedExecutionException) {
            fail("member " + target + " refused the message: its queue of routed messages is full (call_queue_capacity)");
        } else {
            fail("the call to member " + target + " failed: " + c + "; the message may have run: its outcome is unknown");
        }
    }

    /** This member leaves the cluster: the call ends now. */
    void leaving() {
        fail("this member (" + node.localAddress() + ") left the cluster; the message to member " + target
                + " may have run: its outcome is unknown");
    }

    private void timedOut() {
        fail("member " + target + " gave no answer within " + timeoutMillis
                + " ms; the message may still run: its outcome is unknown");
    }

    private void fail(String detail) {
        result.completeExceptionally(new ActorInvocationException(id, operation, Reason.UNAVAILABLE, detail));
    }
}
