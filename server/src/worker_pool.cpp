#include "worker_pool.hpp"

namespace vt132::server {

WorkerPool::WorkerPool(size_t max_threads, size_t max_queue, std::atomic<int64_t>& in_flight)
    : max_threads_(max_threads < 1 ? 1 : max_threads), max_queue_(max_queue < 1 ? 1 : max_queue),
      in_flight_(in_flight) {}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::enqueue(std::function<void()> fn) {
  std::unique_lock lock(mutex_);
  has_room_.wait(lock, [&] { return jobs_.size() < max_queue_ || stopping_; });
  jobs_.push_back(std::move(fn));
  if (idle_ < jobs_.size() && threads_.size() < max_threads_) threads_.emplace_back([this] { work(); });
  has_job_.notify_one();
}

void WorkerPool::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  has_job_.notify_all();
  has_room_.notify_all();
  // Queued connections are still served: nothing accepted is dropped.
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void WorkerPool::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    ++idle_;
    has_job_.wait(lock, [&] { return !jobs_.empty() || stopping_; });
    --idle_;
    if (jobs_.empty()) return;  // stopping, nothing left
    std::function<void()> fn = std::move(jobs_.front());
    jobs_.pop_front();
    has_room_.notify_one();
    lock.unlock();
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    fn();
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    lock.lock();
  }
}

}  // namespace vt132::server
