#include "worker_pool.hpp"

#include <algorithm>

namespace vt132::server {

namespace {

WorkerPoolOptions at_least_one(WorkerPoolOptions o) {
  o.max_threads = std::max<size_t>(o.max_threads, 1);
  o.max_queue = std::max<size_t>(o.max_queue, 1);
  return o;
}

}  // namespace

WorkerPool::WorkerPool(const WorkerPoolOptions& options, std::atomic<int64_t>& in_flight)
    : options_(at_least_one(options)), in_flight_(in_flight) {}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::enqueue(std::function<void()> fn) {
  Threads ended;
  {
    std::unique_lock lock(mutex_);
    has_room_.wait(lock, [&] { return jobs_.size() < options_.max_queue || stopping_; });
    jobs_.push_back(std::move(fn));
    if (idle_ < jobs_.size() && threads_.size() < options_.max_threads) {
      threads_.emplace_back();
      const Threads::iterator self = std::prev(threads_.end());
      *self = std::thread([this, self] { work(self); });
    }
    has_job_.notify_one();
    ended.splice(ended.end(), ended_);
  }
  join(ended);
}

void WorkerPool::shutdown() {
  Threads all;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    all.splice(all.end(), threads_);
    all.splice(all.end(), ended_);
  }
  has_job_.notify_all();
  has_room_.notify_all();
  // Queued connections are still served: nothing accepted is dropped.
  join(all);
}

void WorkerPool::join(Threads& ended) {
  for (std::thread& t : ended) t.join();
  ended.clear();
}

void WorkerPool::work(Threads::iterator self) {
  std::unique_lock lock(mutex_);
  while (true) {
    ++idle_;
    const bool woken = has_job_.wait_for(lock, options_.idle_timeout, [&] { return !jobs_.empty() || stopping_; });
    --idle_;
    if (jobs_.empty()) {
      // Idle too long (or stopping with nothing left): this thread ends. Unless shutdown()
      // already took it, it goes to ended_ for the next enqueue to join.
      if (!woken && !stopping_) ended_.splice(ended_.end(), threads_, self);
      return;
    }
    std::function<void()> fn = std::move(jobs_.front());
    jobs_.pop_front();
    has_room_.notify_one();
    lock.unlock();
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    {
      ConnectionScope connection(options_.limits);
      ConnectionIo io(options_.write_time);
      fn();
    }
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    lock.lock();
  }
}

}  // namespace vt132::server
