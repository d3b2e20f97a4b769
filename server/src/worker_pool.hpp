#pragma once
// httplib's task queue, replaced: httplib serves a whole keep-alive connection on one
// thread, so its default pool of max(8, cores-1) threads stalls the 9th client, and its queue
// grows without bound. This pool starts threads on demand up to `max_threads` (a slow
// device download is one mostly-sleeping thread) and holds at most `max_queue` accepted
// connections; beyond that the accept loop waits, and further clients wait in the kernel's
// listen backlog instead of in our memory. A thread idle for `idle_timeout` ends, so a burst
// of connections does not keep its threads (and their stacks) for the life of the process.
// Each connection is served inside a ConnectionScope (its receive budget) and a ConnectionIo
// (its read and write buffers).
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

#include "connection_budget.hpp"
#include "connection_io.hpp"

namespace vt132::server {

struct WorkerPoolOptions {
  size_t max_threads = 1;
  size_t max_queue = 1;
  std::chrono::milliseconds idle_timeout{30'000};
  ConnectionLimits limits;
  std::chrono::milliseconds write_time{30'000};  // how long a write waits for the client
};

class WorkerPool : public httplib::TaskQueue {
 public:
  WorkerPool(const WorkerPoolOptions& options, std::atomic<int64_t>& in_flight);
  ~WorkerPool() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  using Threads = std::list<std::thread>;
  void work(Threads::iterator self);
  // Joins the threads that ended after their idle time. Called without the lock held.
  void join(Threads& ended);

  const WorkerPoolOptions options_;
  std::atomic<int64_t>& in_flight_;
  std::mutex mutex_;
  std::condition_variable has_job_;
  std::condition_variable has_room_;
  std::deque<std::function<void()>> jobs_;
  Threads threads_;
  Threads ended_;  // idle threads that returned; joined by the next enqueue or shutdown
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace vt132::server
