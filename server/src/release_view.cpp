#include "release_view.hpp"

#include "markdown.hpp"

namespace vt132::server {

std::shared_ptr<const ReleaseView> ReleaseViewCache::get(const Release& release, uint64_t generation) {
  {
    std::lock_guard lock(mutex_);
    if (generation == generation_) {
      auto it = views_.find(release.id);
      if (it != views_.end()) return it->second;
    }
  }
  // Computed outside the lock: two first views of a release may both compute it; both are right.
  auto view = std::make_shared<ReleaseView>();
  view->notes_html = markdown_to_html(release.body);
  view->trust = release_trust(release, trusted_);
  std::lock_guard lock(mutex_);
  if (generation < generation_) return view;  // from an older store: do not keep it
  if (generation != generation_ || views_.size() >= kMaxEntries) {
    views_.clear();
    generation_ = generation;
  }
  views_.emplace(release.id, view);
  return view;
}

}  // namespace vt132::server
