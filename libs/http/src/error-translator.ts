/**
 * Turns an error a library threw into the domain error it means (e.g. a refused database
 * connection into a 503), for ProblemDetailsFilter to answer; any other error is returned as it
 * is. A module that owns such errors provides this token globally. A filter, not an interceptor:
 * it costs nothing on a request that succeeds (a global interceptor made Nest wrap every handler
 * in an Observable), and it also sees what guards throw.
 */
export abstract class ErrorTranslator {
  abstract translate(error: unknown): unknown;
}
