package io.strata.examples.service;

/** A request the API refuses: the HTTP status and Neon's {@code {"msg": ...}} body. */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public ApiException(int status, String msg) {
        super(msg);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException badRequest(String msg) {
        return new ApiException(400, msg);
    }

    public static ApiException notFound(String msg) {
        return new ApiException(404, msg);
    }

    public static ApiException conflict(String msg) {
        return new ApiException(409, msg);
    }

    public static ApiException preconditionFailed(String msg) {
        return new ApiException(412, msg);
    }
}
