#pragma once
// httplib's task queue, replaced: httplib serves a whole keep-alive connection on one
// thread, so its default pool of max(8, cores-1) threads stalls the 9th client, and its queue
// grows without bound. This pool starts threads on demand up to `max_threads` (a slow
// device download is one mostly-sleeping thread) and holds at most `max_queue` accepted
// connections; beyond that the accept loop waits, and further clients wait in the kernel's
// listen backlog instead of in our memory.
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vt132::server {

class WorkerPool : public httplib::TaskQueue {
 public:
  WorkerPool(size_t max_threads, size_t max_queue, std::atomic<int64_t>& in_flight);
  ~WorkerPool() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  void work();

  const size_t max_threads_;
  const size_t max_queue_;
  std::atomic<int64_t>& in_flight_;
  std::mutex mutex_;
  std::condition_variable has_job_;
  std::condition_variable has_room_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace vt132::server
