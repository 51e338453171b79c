#include "counting_new.hpp"

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace {

// operator new is global by nature; the counts are per thread so that counting costs no
// atomic operation and no shared cache line (counting_new.hpp). Constant-initialised, so
// they are usable from the first allocation of every thread.
thread_local std::uint64_t t_allocations = 0;
thread_local std::int64_t t_live_bytes = 0;

void* counted(void* p) {
  if (p == nullptr) return nullptr;
  ++t_allocations;
  t_live_bytes += static_cast<std::int64_t>(malloc_usable_size(p));
  return p;
}

void* allocate(std::size_t n) {
  if (void* p = counted(std::malloc(n == 0 ? 1 : n))) return p;
  throw std::bad_alloc();
}

void* allocate(std::size_t n, std::align_val_t a) {
  const auto align = static_cast<std::size_t>(a);
  if (void* p = counted(std::aligned_alloc(align, (n + align - 1) / align * align))) return p;
  throw std::bad_alloc();
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  t_live_bytes -= static_cast<std::int64_t>(malloc_usable_size(p));
  std::free(p);
}

}  // namespace

namespace dingwatch::bench {

heap_counts heap_now() noexcept {
  return {t_allocations, t_live_bytes};
}

}  // namespace dingwatch::bench

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate(n, a); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(std::malloc(n == 0 ? 1 : n)); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(std::malloc(n == 0 ? 1 : n)); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
