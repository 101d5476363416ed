#include "compiler/secure/keys.h"

#include <fmt/format.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "mbedtls/asn1.h"
#include "mbedtls/asn1write.h"
#include "mbedtls/ecp.h"
#include "sodium/crypto_scalarmult_curve25519.h"
#include "sodium/crypto_sign_ed25519.h"
#include "update/crypto.h"

namespace kiln {
namespace secure {
namespace {

struct KindInfo {
  KeyKind kind;
  const char* name;
  size_t bytes;
};
constexpr KindInfo kKinds[] = {
    {KeyKind::kEd25519Private, "ed25519-private", 32},
    {KeyKind::kEd25519Public, "ed25519-public", 32},
    {KeyKind::kP256Private, "p256-private", 32},
    {KeyKind::kP256Public, "p256-public", 65},
    {KeyKind::kX25519Private, "x25519-private", 32},
    {KeyKind::kX25519Public, "x25519-public", 32},
    {KeyKind::kAesKw, "aes-kw", 32},
};

const KindInfo& info(KeyKind kind) {
  for (const KindInfo& k : kKinds) {
    if (k.kind == kind) return k;
  }
  return kKinds[0];
}

int mbedtls_random(void*, unsigned char* out, size_t size) {
  random_bytes(out, size);
  return 0;
}

std::vector<uint8_t> p256_public(const std::vector<uint8_t>& scalar) {
  mbedtls_ecp_group group;
  mbedtls_mpi d;
  mbedtls_ecp_point q;
  mbedtls_ecp_group_init(&group);
  mbedtls_mpi_init(&d);
  mbedtls_ecp_point_init(&q);
  std::vector<uint8_t> out(65);
  size_t written = 0;
  const bool ok = mbedtls_ecp_group_load(&group, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
                  mbedtls_mpi_read_binary(&d, scalar.data(), scalar.size()) == 0 &&
                  mbedtls_ecp_check_privkey(&group, &d) == 0 &&
                  mbedtls_ecp_mul(&group, &q, &d, &group.G, mbedtls_random, nullptr) == 0 &&
                  mbedtls_ecp_point_write_binary(&group, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &written,
                                                 out.data(), out.size()) == 0 &&
                  written == 65;
  mbedtls_ecp_point_free(&q);
  mbedtls_mpi_free(&d);
  mbedtls_ecp_group_free(&group);
  if (!ok)
    throw Error(ErrorKind::kBadInput, "not a P-256 private key (the scalar is out of range)");
  return out;
}

}  // namespace

void random_bytes(uint8_t* out, size_t size) {
  while (size > 0) {
    const ssize_t n = getrandom(out, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::kBadInput,
                  fmt::format("the system's random generator failed: {}", std::strerror(errno)));
    }
    out += n;
    size -= static_cast<size_t>(n);
  }
}

const char* key_kind_name(KeyKind kind) { return info(kind).name; }

bool is_private(KeyKind kind) {
  return kind == KeyKind::kEd25519Private || kind == KeyKind::kP256Private ||
         kind == KeyKind::kX25519Private || kind == KeyKind::kAesKw;
}

std::string hex(const uint8_t* data, size_t size) {
  std::string out;
  for (size_t i = 0; i < size; ++i) out += fmt::format("{:02x}", data[i]);
  return out;
}

std::string format_key(const Key& key) {
  return fmt::format("kiln-key {}\n{}\n", key_kind_name(key.kind),
                     hex(key.bytes.data(), key.bytes.size()));
}

Key parse_key(const std::string& text, const std::string& origin) {
  const auto fail = [&](const std::string& why) {
    return Error(ErrorKind::kBadInput, fmt::format("{}: not a kiln key file: {}", origin, why));
  };
  const size_t newline = text.find('\n');
  if (text.rfind("kiln-key ", 0) != 0 || newline == std::string::npos)
    throw fail("no 'kiln-key KIND' line");
  const std::string name = text.substr(9, newline - 9);
  const KindInfo* kind = nullptr;
  for (const KindInfo& k : kKinds) {
    if (name == k.name) kind = &k;
  }
  if (kind == nullptr) throw fail(fmt::format("unknown kind '{}'", name));
  std::string hex = text.substr(newline + 1);
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' '))
    hex.pop_back();
  if (hex.size() != 2 * kind->bytes) {
    throw fail(fmt::format("a {} key is {} hex digits, not {}", name, 2 * kind->bytes, hex.size()));
  }
  Key key{kind->kind, {}};
  for (size_t i = 0; i < hex.size(); i += 2) {
    const auto digit = [&](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      throw fail(fmt::format("'{}' is not a hex digit", c));
    };
    key.bytes.push_back(static_cast<uint8_t>(digit(hex[i]) * 16 + digit(hex[i + 1])));
  }
  if (kind->kind == KeyKind::kP256Public && key.bytes[0] != 0x04)
    throw fail("a P-256 public key starts with 04");
  return key;
}

Key read_key(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  return parse_key(std::string(bytes.begin(), bytes.end()), path);
}

void write_key(const std::string& path, const Key& key) {
  const std::string text = format_key(key);
  write_file(path, text.data(), text.size());
}

Key generate_key(KeyKind private_kind) {
  if (!is_private(private_kind))
    throw Error(ErrorKind::kUsage, "generate_key takes a private kind");
  Key key{private_kind, std::vector<uint8_t>(32)};
  if (private_kind != KeyKind::kP256Private) {
    random_bytes(key.bytes.data(), key.bytes.size());
    return key;
  }
  // A scalar in [1, n-1]: draw again until one is (almost always at once).
  for (;;) {
    random_bytes(key.bytes.data(), key.bytes.size());
    try {
      p256_public(key.bytes);
      return key;
    } catch (const Error&) {
    }
  }
}

Key public_of(const Key& private_key) {
  switch (private_key.kind) {
    case KeyKind::kEd25519Private: {
      Key pub{KeyKind::kEd25519Public, std::vector<uint8_t>(32)};
      uint8_t secret[64];
      crypto_sign_ed25519_seed_keypair(pub.bytes.data(), secret, private_key.bytes.data());
      crypto::wipe(secret, sizeof secret);
      return pub;
    }
    case KeyKind::kP256Private: return Key{KeyKind::kP256Public, p256_public(private_key.bytes)};
    case KeyKind::kX25519Private: {
      Key pub{KeyKind::kX25519Public, std::vector<uint8_t>(32)};
      crypto_scalarmult_curve25519_base(pub.bytes.data(), private_key.bytes.data());
      return pub;
    }
    default:
      throw Error(ErrorKind::kUsage,
                  fmt::format("a {} key has no public key", key_kind_name(private_key.kind)));
  }
}

std::vector<uint8_t> key_hash(const Key& public_key) {
  std::vector<uint8_t> hash(32);
  crypto::sha256(public_key.bytes.data(), public_key.bytes.size(), hash.data());
  return hash;
}

std::optional<std::vector<uint8_t>> ecdsa_der_to_raw(const std::vector<uint8_t>& der) {
  mbedtls_mpi r, s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  std::optional<std::vector<uint8_t>> raw;
  unsigned char* p = const_cast<unsigned char*>(der.data());
  const unsigned char* end = der.data() + der.size();
  size_t length = 0;
  if (mbedtls_asn1_get_tag(&p, end, &length, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) ==
          0 &&
      p + length == end && mbedtls_asn1_get_mpi(&p, end, &r) == 0 &&
      mbedtls_asn1_get_mpi(&p, end, &s) == 0 && p == end && mbedtls_mpi_size(&r) <= 32 &&
      mbedtls_mpi_size(&s) <= 32) {
    // mbed TLS's parser accepts more than DER: what it read must be what
    // its writer, which writes DER, writes back.
    std::vector<uint8_t> again(80);
    unsigned char* start = again.data() + again.size();
    int written = 0;
    int n = 0;
    if ((n = mbedtls_asn1_write_mpi(&start, again.data(), &s)) > 0) written += n;
    if (n > 0 && (n = mbedtls_asn1_write_mpi(&start, again.data(), &r)) > 0) written += n;
    if (n > 0 &&
        (n = mbedtls_asn1_write_len(&start, again.data(), static_cast<size_t>(written))) > 0)
      written += n;
    if (n > 0 &&
        (n = mbedtls_asn1_write_tag(&start, again.data(),
                                    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) > 0) {
      written += n;
    }
    if (n > 0 && static_cast<size_t>(written) == der.size() &&
        std::memcmp(start, der.data(), der.size()) == 0) {
      raw.emplace(64);
      mbedtls_mpi_write_binary(&r, raw->data(), 32);
      mbedtls_mpi_write_binary(&s, raw->data() + 32, 32);
    }
  }
  mbedtls_mpi_free(&s);
  mbedtls_mpi_free(&r);
  return raw;
}

}  // namespace secure
}  // namespace kiln
