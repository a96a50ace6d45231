// Keeping C++ exceptions inside the callbacks SQLite calls.
//
// SQLite is C: an exception thrown through it skips its cleanup and is
// undefined behaviour. Every SQL function of overtone, and every
// virtual-table callback that can throw (those that allocate: xConnect,
// xOpen, xFilter, xNext, xColumn, xUpdate, xSync, xCommit), runs its body
// through one of these guards, which turn an escaping exception into an
// SQLite error: std::bad_alloc into SQLITE_NOMEM, anything else into an
// error with the exception's message. Our own code reports errors as
// Status; what the guards catch is the standard library's throws
// (allocation, mostly). The other callbacks (xBestIndex, xEof, xRowid,
// xClose, xDisconnect, xBegin, xRollback) neither allocate nor throw.

#ifndef OVERTONE_SQL_CALLBACK_GUARD_H_
#define OVERTONE_SQL_CALLBACK_GUARD_H_

#include <sqlite3.h>

#include <exception>
#include <new>

namespace overtone::sql {

// Runs `body` (returning an SQLite result code) for a virtual-table
// callback of `vtab`.
template <typename Body>
int GuardVtabCallback(sqlite3_vtab* vtab, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (const std::exception& e) {
    if (vtab != nullptr) {
      sqlite3_free(vtab->zErrMsg);
      vtab->zErrMsg = sqlite3_mprintf("%s", e.what());
    }
    return SQLITE_ERROR;
  } catch (...) {
    return SQLITE_INTERNAL;
  }
}

// Runs `body` for an SQL function (scalar, aggregate step or final) whose
// result goes to `ctx`.
template <typename Body>
void GuardFunction(sqlite3_context* ctx, Body&& body) noexcept {
  try {
    body();
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(ctx);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, e.what(), -1);
  } catch (...) {
    sqlite3_result_error(ctx, "internal error", -1);
  }
}

// kFn, a scalar function or an aggregate's step, behind GuardFunction: the
// form to hand to sqlite3_create_function_v2.
template <void (*kFn)(sqlite3_context*, int, sqlite3_value**)>
void Guarded(sqlite3_context* ctx, int argc, sqlite3_value** argv) noexcept {
  GuardFunction(ctx, [&] { kFn(ctx, argc, argv); });
}

// kFn, an aggregate's final, behind GuardFunction.
template <void (*kFn)(sqlite3_context*)>
void GuardedFinal(sqlite3_context* ctx) noexcept {
  GuardFunction(ctx, [&] { kFn(ctx); });
}

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_CALLBACK_GUARD_H_
