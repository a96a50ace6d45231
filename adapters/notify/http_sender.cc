#include "adapters/notify/http_sender.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "adapters/prometheus/remote_write_client.h"

namespace overtone::adapters {

struct HttpSender::Impl {
  Impl(std::string u, const HttpUrl& parsed, SenderOptions o)
      : url(std::move(u)), target(parsed), options(std::move(o)), client(parsed.host, parsed.port) {
    auto sec = [](int64_t ms) { return static_cast<time_t>(ms / 1000); };
    auto usec = [](int64_t ms) { return static_cast<time_t>((ms % 1000) * 1000); };
    client.set_connection_timeout(sec(options.timeout_ms), usec(options.timeout_ms));
    client.set_read_timeout(sec(options.timeout_ms), usec(options.timeout_ms));
    client.set_write_timeout(sec(options.timeout_ms), usec(options.timeout_ms));
    client.set_keep_alive(true);
    for (const auto& [k, v] : options.headers) headers.emplace(k, v);
    if (!options.json_array) options.max_batch = 1;
    options.max_batch = std::max<size_t>(options.max_batch, 1);
  }

  void Run();
  // Waits for `ms` or Stop(); false when stopping.
  bool Backoff(int64_t ms);
  // POSTs `batch` with retries; true when a 2xx answered.
  bool Deliver(const std::vector<std::string>& batch);

  const std::string url;
  const HttpUrl target;
  SenderOptions options;
  httplib::Client client;  // used by the thread only, but stop() from Stop()
  httplib::Headers headers;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> queue;
  bool stopping = false;
  SenderCounters counters;
  std::thread thread;
};

bool HttpSender::Impl::Backoff(int64_t ms) {
  std::unique_lock lock(mu);
  cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping; });
  return !stopping;
}

bool HttpSender::Impl::Deliver(const std::vector<std::string>& batch) {
  std::string body;
  if (options.json_array) {
    body = "[";
    for (size_t i = 0; i < batch.size(); ++i) body += (i ? "," : "") + batch[i];
    body += "]";
  } else {
    body = batch.front();
  }
  int64_t backoff = options.first_backoff_ms;
  for (int attempt = 1;; ++attempt) {
    auto start = std::chrono::steady_clock::now();
    httplib::Result res = client.Post(target.path, headers, body, "application/json");
    {
      std::lock_guard lock(mu);
      ++counters.posts;
      counters.post_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    bool retryable = true;
    if (res && res->status >= 200 && res->status < 300) {
      std::lock_guard lock(mu);
      counters.sent += batch.size();
      return true;
    }
    if (res) retryable = res->status >= 500 || res->status == 429;
    {
      std::lock_guard lock(mu);
      ++counters.failed;
      if (stopping) return false;
    }
    if (!retryable || attempt >= options.max_attempts) return false;
    if (!Backoff(backoff)) return false;
    backoff = std::min(backoff * 2, options.max_backoff_ms);
  }
}

void HttpSender::Impl::Run() {
  for (;;) {
    std::vector<std::string> batch;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (stopping) return;
      while (!queue.empty() && batch.size() < options.max_batch) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    if (!Deliver(batch)) {
      std::lock_guard lock(mu);
      counters.dropped += batch.size();
    }
  }
}

HttpSender::HttpSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpSender::~HttpSender() { Stop(); }

Result<std::unique_ptr<HttpSender>> HttpSender::Create(const std::string& url, SenderOptions options) {
  OT_ASSIGN_OR_RETURN(HttpUrl parsed, ParseHttpUrl(url));
  std::unique_ptr<HttpSender> sender(new HttpSender(std::make_unique<Impl>(url, parsed, std::move(options))));
  Impl* impl = sender->impl_.get();
  impl->counters.queue_capacity = impl->options.queue_capacity;
  impl->thread = std::thread([impl] { impl->Run(); });
  return sender;
}

void HttpSender::Enqueue(std::vector<std::string> items) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) {
      impl_->counters.dropped += items.size();
      return;
    }
    for (std::string& item : items) impl_->queue.push_back(std::move(item));
    while (impl_->queue.size() > impl_->options.queue_capacity) {
      impl_->queue.pop_front();
      ++impl_->counters.dropped;
    }
  }
  impl_->cv.notify_all();
}

void HttpSender::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping && !impl_->thread.joinable()) return;
    impl_->stopping = true;
    impl_->counters.dropped += impl_->queue.size();
    impl_->queue.clear();
  }
  impl_->cv.notify_all();
  impl_->client.stop();  // cuts a POST in flight short
  if (impl_->thread.joinable()) impl_->thread.join();
}

SenderCounters HttpSender::counters() const {
  std::lock_guard lock(impl_->mu);
  SenderCounters c = impl_->counters;
  c.queue_length = impl_->queue.size();
  return c;
}

const std::string& HttpSender::url() const { return impl_->url; }

}  // namespace overtone::adapters
