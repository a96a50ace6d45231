// The one place where an overtone Status becomes an HTTP status code.
//
// Remote write senders act on the class of the code: 4xx is dropped (the
// data is wrong, retrying will not help), 5xx and 429 are retried. So
// only failures that may pass on their own map to 5xx.

#ifndef OVERTONE_ADAPTERS_HTTP_HTTP_STATUS_H_
#define OVERTONE_ADAPTERS_HTTP_HTTP_STATUS_H_

#include "overtone/status.h"

namespace overtone::adapters {

// Done.
inline constexpr int kHttpOk = 200;
inline constexpr int kHttpAccepted = 202;  // a push group's deletion, as the Pushgateway answers it
inline constexpr int kHttpNoContent = 204;
inline constexpr int kHttpFound = 302;        // a redirect (the console's `/`)
inline constexpr int kHttpNotModified = 304;  // the client's cached copy is current
// The request is wrong: a remote write sender drops it.
inline constexpr int kHttpBadRequest = 400;
inline constexpr int kHttpUnauthorized = 401;
inline constexpr int kHttpForbidden = 403;
inline constexpr int kHttpNotFound = 404;
inline constexpr int kHttpMethodNotAllowed = 405;
inline constexpr int kHttpPayloadTooLarge = 413;
inline constexpr int kHttpUnsupportedMediaType = 415;
inline constexpr int kHttpUnprocessableContent = 422;  // the query API's `execution` errors
// A remote write sender retries these.
inline constexpr int kHttpTooManyRequests = 429;
inline constexpr int kHttpInternalServerError = 500;
inline constexpr int kHttpServiceUnavailable = 503;

//   OK                                 200
//   InvalidArgument, NotSupported      400  (NotSupported: a feature the
//                                            data needs; retrying won't help)
//   NotFound                           404
//   ResourceExhausted                  `overload_status` (429 or 503)
//   IOError, NoSpace, Busy, Aborted    503  (disk fault, lock, shutdown: retry)
//   Corruption, Internal               500
int HttpStatusFor(const Status& s, int overload_status = kHttpTooManyRequests);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_HTTP_STATUS_H_
