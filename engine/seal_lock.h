// SealLock: the lock between writers and the code that rewrites stored
// ranges (sealing, range deletion). Writers hold it shared while they
// commit; sealing holds it exclusively. Unlike std::shared_mutex, an
// exclusive locker that is waiting goes before shared lockers that come
// after it.
//
// Why not std::shared_mutex alone: it is glibc's pthread_rwlock_t, which
// prefers readers. With writers committing back to back one of them always
// holds it shared, so Compact() waited for as long as writes kept coming
// (the whole run of the concurrency stress test; without bound in a busy
// server), and raw samples piled up unsealed. The gate below is held by an
// exclusive locker from before it waits until it is done, and passed
// through by shared lockers, so new writers queue behind a waiting sealer.
//
// Meets the standard's SharedLockable: use std::shared_lock / std::unique_lock.

#ifndef OVERTONE_ENGINE_SEAL_LOCK_H_
#define OVERTONE_ENGINE_SEAL_LOCK_H_

#include <mutex>
#include <shared_mutex>

namespace overtone::engine {

class SealLock {
 public:
  void lock() {
    gate_.lock();
    mu_.lock();
  }
  void unlock() {
    mu_.unlock();
    gate_.unlock();
  }
  void lock_shared() {
    std::lock_guard gate(gate_);
    mu_.lock_shared();
  }
  void unlock_shared() { mu_.unlock_shared(); }

 private:
  std::mutex gate_;  // order: gate_ before mu_, never the other way round
  std::shared_mutex mu_;
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_SEAL_LOCK_H_
