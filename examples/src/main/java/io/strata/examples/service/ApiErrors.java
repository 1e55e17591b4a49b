package io.strata.examples.service;

import io.strata.engine.read.MissingKeyException;
import io.strata.engine.timeline.GcCutoffException;
import io.strata.engine.timeline.IngestOrderException;
import java.util.concurrent.TimeoutException;
import reactor.core.Exceptions;

/**
 * Maps what the engine throws to HTTP statuses as Neon's {@code ApiError} does: bad input 400, unknown tenant,
 * timeline or key 404, exists already or busy 409, a violated precondition (GC cutoff, child timelines) 412, an LSN
 * not reached in time 504, shutting down 503, anything else 500.
 */
final class ApiErrors {
    private ApiErrors() {
    }

    static ApiException map(Throwable t) {
        Throwable e = Exceptions.unwrap(t);
        if (e instanceof ApiException a) {
            return a;
        }
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof IngestOrderException) {
            return ApiException.badRequest(msg);
        }
        if (e instanceof GcCutoffException) {
            return ApiException.preconditionFailed(msg);
        }
        if (e instanceof MissingKeyException) {
            return ApiException.notFound(msg);
        }
        if (e instanceof TimeoutException) {
            return new ApiException(504, msg);
        }
        if (e instanceof IllegalStateException) {
            if (msg.contains("exists already") || msg.contains(" while ")) {
                return ApiException.conflict(msg);
            }
            if (msg.contains("child timelines")) {
                return ApiException.preconditionFailed(msg);
            }
            if (msg.contains("shut down") || msg.contains("shutting down")) {
                return new ApiException(503, msg);
            }
        }
        if (e instanceof IllegalArgumentException) {
            return msg.contains("no such timeline") ? ApiException.notFound(msg) : ApiException.badRequest(msg);
        }
        return new ApiException(500, msg);
    }
}
