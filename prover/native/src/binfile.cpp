// See binfile.hpp.
#include "binfile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace rwa {

Buffer Buffer::alloc(uint64_t size) {
  Buffer b;
  void* p = nullptr;
  if (posix_memalign(&p, 64, size == 0 ? 64 : size) != 0) throw std::runtime_error("out of memory");
  b.data.reset(static_cast<uint8_t*>(p));
  b.size = size;
  return b;
}

BinFile::BinFile(const std::string& path, const std::string& magic, uint32_t maxVersion) : name_(path) {
  fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(path + ": " + strerror(errno));
  struct stat st;
  if (fstat(fd_, &st) != 0) throw std::runtime_error(path + ": " + strerror(errno));
  parse(magic, maxVersion, static_cast<uint64_t>(st.st_size));
}

BinFile::BinFile(Buffer bytes, const std::string& magic, uint32_t maxVersion, const std::string& name)
    : name_(name), memory_(std::move(bytes)) {
  parse(magic, maxVersion, memory_.size);
}

BinFile::~BinFile() {
  if (fd_ >= 0) close(fd_);
}

void BinFile::readAt(uint8_t* out, uint64_t offset, uint64_t size) const {
  if (fd_ < 0) {
    if (offset + size > memory_.size) throw std::runtime_error(name_ + ": truncated");
    memcpy(out, memory_.get() + offset, size);
    return;
  }
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd_, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(name_ + ": truncated or unreadable");
    done += static_cast<uint64_t>(n);
  }
}

void BinFile::parse(const std::string& magic, uint32_t maxVersion, uint64_t fileSize) {
  uint8_t head[12];
  if (fileSize < 12) throw std::runtime_error(name_ + ": not a ." + magic + " file (too short)");
  readAt(head, 0, 12);
  if (std::string(reinterpret_cast<char*>(head), 4) != magic)
    throw std::runtime_error(name_ + ": not a ." + magic + " file");
  uint32_t version, nSections;
  memcpy(&version, head + 4, 4);
  memcpy(&nSections, head + 8, 4);
  if (version > maxVersion)
    throw std::runtime_error(name_ + ": version " + std::to_string(version) + " is newer than " +
                             std::to_string(maxVersion));
  uint64_t pos = 12;
  for (uint32_t i = 0; i < nSections; i++) {
    uint8_t sh[12];
    if (pos + 12 > fileSize) throw std::runtime_error(name_ + ": truncated section table");
    readAt(sh, pos, 12);
    uint32_t type;
    uint64_t size;
    memcpy(&type, sh, 4);
    memcpy(&size, sh + 4, 8);
    pos += 12;
    if (size > fileSize - pos) throw std::runtime_error(name_ + ": section " + std::to_string(type) + " overruns the file");
    if (sections_.count(type)) throw std::runtime_error(name_ + ": section " + std::to_string(type) + " twice");
    sections_[type] = {pos, size};
    pos += size;
  }
}

uint64_t BinFile::sectionSize(uint32_t section) const {
  auto it = sections_.find(section);
  if (it == sections_.end()) throw std::runtime_error(name_ + ": no section " + std::to_string(section));
  return it->second.size;
}

Buffer BinFile::read(uint32_t section) const {
  auto it = sections_.find(section);
  if (it == sections_.end()) throw std::runtime_error(name_ + ": no section " + std::to_string(section));
  Buffer b = Buffer::alloc(it->second.size);
  readAt(b.get(), it->second.offset, it->second.size);
  return b;
}

uint32_t Cursor::u32() {
  uint32_t v;
  memcpy(&v, bytes(4), 4);
  return v;
}

const uint8_t* Cursor::bytes(uint64_t n) {
  if (static_cast<uint64_t>(end_ - p_) < n) throw std::runtime_error(what_ + ": section too short");
  const uint8_t* r = p_;
  p_ += n;
  return r;
}

}  // namespace rwa
