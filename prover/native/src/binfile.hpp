// Reader for the iden3 binary container that .zkey and .wtns files share: a 4-byte magic, a version, then
// sections of (type u32, size u64, bytes). Each section the prover needs is read into its own 64-byte aligned
// buffer with pread, so a proving key costs its sections once and nothing else (no copy of the whole file).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rwa {

/** An owned, 64-byte aligned byte buffer. */
struct Buffer {
  std::unique_ptr<uint8_t, void (*)(void*)> data{nullptr, free};
  uint64_t size = 0;
  static Buffer alloc(uint64_t size);
  uint8_t* get() const { return data.get(); }
};

/** A container file opened for reading its sections (file descriptor kept open until destruction). */
class BinFile {
 public:
  BinFile(const std::string& path, const std::string& magic, uint32_t maxVersion);
  /** A container held in memory (a witness sent over the server's stdin). */
  BinFile(Buffer bytes, const std::string& magic, uint32_t maxVersion, const std::string& name);
  ~BinFile();
  BinFile(const BinFile&) = delete;
  BinFile& operator=(const BinFile&) = delete;

  bool has(uint32_t section) const { return sections_.count(section) > 0; }
  uint64_t sectionSize(uint32_t section) const;
  /** Reads a whole section into a fresh aligned buffer. */
  Buffer read(uint32_t section) const;
  const std::string& name() const { return name_; }

 private:
  struct Section {
    uint64_t offset;
    uint64_t size;
  };
  void parse(const std::string& magic, uint32_t maxVersion, uint64_t fileSize);
  void readAt(uint8_t* out, uint64_t offset, uint64_t size) const;

  std::string name_;
  int fd_ = -1;
  Buffer memory_;
  std::map<uint32_t, Section> sections_;
};

/** Little-endian readers over a section buffer. */
class Cursor {
 public:
  Cursor(const Buffer& b, const std::string& what) : p_(b.get()), end_(b.get() + b.size), what_(what) {}
  uint32_t u32();
  const uint8_t* bytes(uint64_t n);

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  std::string what_;
};

}  // namespace rwa
