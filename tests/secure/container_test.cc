// Signed model containers around a real model: sealing and verifying, every
// bit flipped and every truncation refused with the status of the check
// that caught it, downgrades, other keys, encryption for a device.
#include <gtest/gtest.h>

#include <map>

#include "compiler/pipeline/compile.h"
#include "compiler/secure/container_writer.h"
#include "tests/support/test_support.h"
#include "update/container_layout.h"

namespace kiln {
namespace {

using secure::Key;
using secure::KeyKind;

// TFLite Micro's hello_world (int8) compiled for the Cortex-M4: 2.7 KB.
const std::vector<uint8_t>& hello_world() {
  static const std::vector<uint8_t> blob =
      load_blob(test::shared_dir() + "/models/tflite_micro/hello_world_int8.tflite", "cortex-m4");
  return blob;
}

struct Signer {
  Key key;
  Key pub;
};

const Signer& ed25519_signer() {
  static const Signer s = [] {
    const Key key = secure::generate_key(KeyKind::kEd25519Private);
    return Signer{key, secure::public_of(key)};
  }();
  return s;
}

const Signer& p256_signer() {
  static const Signer s = [] {
    const Key key = secure::generate_key(KeyKind::kP256Private);
    return Signer{key, secure::public_of(key)};
  }();
  return s;
}

secure::SealOptions options_for(const Signer& signer, uint32_t counter = 7) {
  secure::SealOptions options;
  options.signing_key = signer.key;
  options.security_counter = counter;
  options.model_id = "hello_world";
  options.target = "cortex-m4";
  return options;
}

// A device that trusts both signers, runs counter 7 on a Cortex-M4 with
// 64 KiB for the arena.
struct Device {
  kiln_device_keys keys{};
  kiln_device_policy policy{};
  Device() {
    keys.ed25519_public = ed25519_signer().pub.bytes.data();
    keys.p256_public = p256_signer().pub.bytes.data();
    policy.min_security_counter = 7;
    policy.arena_capacity = 64 * 1024;
    policy.target = "cortex-m4";
  }
  kiln_container_status verify(const std::vector<uint8_t>& c,
                               kiln_container_info* info = nullptr) const {
    return kiln_container_verify(c.data(), static_cast<uint32_t>(c.size()), &keys, &policy,
                                 KILN_VERIFY_RECEIVED, info);
  }
};

TEST(Container, SealedModelVerifiesWithItsFields) {
  for (const Signer* signer : {&ed25519_signer(), &p256_signer()}) {
    const std::vector<uint8_t> c = secure::seal(hello_world(), options_for(*signer));
    kiln_container_info info{};
    ASSERT_EQ(Device().verify(c, &info), KILN_CONTAINER_OK);
    const secure::BlobFields fields = secure::blob_fields(hello_world());
    EXPECT_EQ(info.header.payload_size, hello_world().size());
    EXPECT_EQ(info.header.header_size, KILN_CONTAINER_HEADER_BYTES);
    EXPECT_EQ(info.total_size, c.size());
    EXPECT_EQ(info.security_counter, 7u);
    EXPECT_STREQ(info.model_id, "hello_world");
    EXPECT_STREQ(info.target, "cortex-m4");
    EXPECT_EQ(info.format_version, fields.format_version);
    EXPECT_EQ(info.arena_bytes, fields.arena_bytes);
    EXPECT_EQ(info.state_bytes, fields.state_bytes);
    EXPECT_EQ(std::vector<uint8_t>(info.opset_hash, info.opset_hash + 32), fields.opset_hash);
    // The payload is the blob, in place.
    EXPECT_TRUE(std::equal(hello_world().begin(), hello_world().end(),
                           c.begin() + info.header.header_size));
    // Same sizes whatever the signature: the header, the blob, 100 bytes of
    // protected TLVs (with an 11-byte id and a 9-byte target), 144 of
    // digest, key hash and signature.
    EXPECT_EQ(c.size(), 32 + hello_world().size() + 100 + 144);
  }
}

// Which check must refuse a flipped bit at each offset of a plain
// container: the header's own checks there, the digest for anything it
// covers, the key hash, the signature.
TEST(Container, EveryBitFlipIsRefused) {
  for (const Signer* signer : {&ed25519_signer(), &p256_signer()}) {
    const std::vector<uint8_t> sealed = secure::seal(hello_world(), options_for(*signer));
    const Device device;
    kiln_container_header header;
    ASSERT_EQ(container::parse_header(sealed.data(), &header), KILN_CONTAINER_OK);
    const size_t payload_end = header.header_size + header.payload_size;
    const size_t unprotected = payload_end + header.protected_size;
    std::map<kiln_container_status, int> statuses;
    std::vector<uint8_t> c = sealed;
    for (size_t byte = 0; byte < c.size(); ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        c[byte] ^= static_cast<uint8_t>(1u << bit);
        const kiln_container_status status = device.verify(c);
        c[byte] ^= static_cast<uint8_t>(1u << bit);
        ++statuses[status];
        ASSERT_NE(status, KILN_CONTAINER_OK) << "byte " << byte << " bit " << bit;
        // Each region's flips are caught by its own check.
        const size_t tlv_value = byte >= unprotected + 4 ? (byte - unprotected - 4) % 36 : 0;
        if (byte >= header.header_size && byte < payload_end) {
          ASSERT_EQ(status, KILN_CONTAINER_DIGEST_MISMATCH) << "payload byte " << byte;
        } else if (byte >= unprotected + 4 && byte < unprotected + 4 + 36 && tlv_value >= 4) {
          ASSERT_EQ(status, KILN_CONTAINER_DIGEST_MISMATCH) << "digest TLV byte " << byte;
        } else if (byte >= unprotected + 4 + 36 + 4 && byte < unprotected + 4 + 72) {
          ASSERT_EQ(status, KILN_CONTAINER_UNKNOWN_KEY) << "key hash byte " << byte;
        } else if (byte >= unprotected + 4 + 72 + 4) {
          ASSERT_EQ(status, KILN_CONTAINER_BAD_SIGNATURE) << "signature byte " << byte;
        }
      }
    }
    EXPECT_EQ(c, sealed);
    // Nothing is refused as "ok"; the histogram for the note.
    for (const auto& [status, count] : statuses) {
      std::printf("%s: %s: %d flips\n", signer == &ed25519_signer() ? "ed25519" : "p256",
                  kiln_container_status_name(status), count);
    }
    EXPECT_EQ(statuses.count(KILN_CONTAINER_OK), 0u);
  }
}

TEST(Container, EveryTruncationAndExtraByteIsRefused) {
  const std::vector<uint8_t> sealed = secure::seal(hello_world(), options_for(ed25519_signer()));
  const Device device;
  for (size_t size = 0; size < sealed.size(); ++size) {
    const std::vector<uint8_t> cut(sealed.begin(),
                                   sealed.begin() + static_cast<std::ptrdiff_t>(size));
    ASSERT_EQ(device.verify(cut), KILN_CONTAINER_TRUNCATED) << size << " bytes";
  }
  std::vector<uint8_t> longer = sealed;
  longer.push_back(0);
  EXPECT_EQ(device.verify(longer), KILN_CONTAINER_TRAILING_BYTES);
}

TEST(Container, DowngradeIsRefusedDespiteAGoodSignature) {
  const std::vector<uint8_t> old = secure::seal(hello_world(), options_for(ed25519_signer(), 6));
  EXPECT_EQ(Device().verify(old), KILN_CONTAINER_DOWNGRADE);
  const std::vector<uint8_t> same = secure::seal(hello_world(), options_for(ed25519_signer(), 7));
  EXPECT_EQ(Device().verify(same), KILN_CONTAINER_OK);
}

TEST(Container, AnotherKeyIsRefused) {
  const Key stranger = secure::generate_key(KeyKind::kEd25519Private);
  secure::SealOptions options = options_for(ed25519_signer());
  options.signing_key = stranger;
  std::vector<uint8_t> c = secure::seal(hello_world(), options);
  EXPECT_EQ(Device().verify(c), KILN_CONTAINER_UNKNOWN_KEY);
  // Claiming the trusted key's hash does not help: the signature fails.
  const std::vector<uint8_t> trusted_hash = secure::key_hash(ed25519_signer().pub);
  kiln_container_header header;
  ASSERT_EQ(container::parse_header(c.data(), &header), KILN_CONTAINER_OK);
  const size_t key_hash_at =
      header.header_size + header.payload_size + header.protected_size + 4 + 36 + 4;
  std::copy(trusted_hash.begin(), trusted_hash.end(),
            c.begin() + static_cast<std::ptrdiff_t>(key_hash_at));
  EXPECT_EQ(Device().verify(c), KILN_CONTAINER_BAD_SIGNATURE);
  // A device that holds only the P-256 key refuses an Ed25519 container.
  Device p256_only;
  p256_only.keys.ed25519_public = nullptr;
  EXPECT_EQ(p256_only.verify(secure::seal(hello_world(), options_for(ed25519_signer()))),
            KILN_CONTAINER_UNKNOWN_KEY);
}

TEST(Container, PolicyRefusesOtherTargetsAndLargerArenas) {
  const std::vector<uint8_t> c = secure::seal(hello_world(), options_for(ed25519_signer()));
  Device m55;
  m55.policy.target = "cortex-m55";
  EXPECT_EQ(m55.verify(c), KILN_CONTAINER_WRONG_TARGET);
  Device small;
  small.policy.arena_capacity = secure::blob_fields(hello_world()).arena_bytes - 1;
  EXPECT_EQ(small.verify(c), KILN_CONTAINER_ARENA_TOO_LARGE);
  Device fixed_ops;
  const uint8_t other_ops[32] = {1};
  fixed_ops.policy.opset_hash = other_ops;
  EXPECT_EQ(fixed_ops.verify(c), KILN_CONTAINER_WRONG_OPSET);
  const std::vector<uint8_t> own_ops = secure::blob_fields(hello_world()).opset_hash;
  fixed_ops.policy.opset_hash = own_ops.data();
  EXPECT_EQ(fixed_ops.verify(c), KILN_CONTAINER_OK);
}

// Streaming in chunks of every size from 1 to 97 bytes gives the same result.
TEST(Container, ChunkedStreamingMatchesWholeVerification) {
  const std::vector<uint8_t> c = secure::seal(hello_world(), options_for(p256_signer()));
  const Device device;
  for (uint32_t chunk = 1; chunk <= 97; ++chunk) {
    kiln_verifier verifier;
    kiln_verifier_init(&verifier, &device.keys, &device.policy, KILN_VERIFY_RECEIVED);
    for (size_t at = 0; at < c.size(); at += chunk) {
      const uint32_t n = static_cast<uint32_t>(std::min<size_t>(chunk, c.size() - at));
      ASSERT_EQ(kiln_verifier_update(&verifier, c.data() + at, n, nullptr), KILN_CONTAINER_OK)
          << chunk;
    }
    ASSERT_EQ(kiln_verifier_finish(&verifier, nullptr), KILN_CONTAINER_OK) << chunk;
  }
}

TEST(Container, EncryptedForTheDeviceDecryptsToTheBlob) {
  const Key kw = secure::generate_key(KeyKind::kAesKw);
  const Key device_x25519 = secure::generate_key(KeyKind::kX25519Private);
  for (const Key& recipient : {kw, secure::public_of(device_x25519)}) {
    secure::SealOptions options = options_for(ed25519_signer());
    options.encrypt_for = recipient;
    const std::vector<uint8_t> c = secure::seal(hello_world(), options);
    const bool x25519 = recipient.kind == KeyKind::kX25519Public;
    const uint32_t header_size =
        KILN_CONTAINER_HEADER_BYTES +
        (x25519 ? KILN_CONTAINER_KEY_AREA_X25519 : KILN_CONTAINER_KEY_AREA_AES_KW);
    // The payload is not the blob in the clear.
    EXPECT_FALSE(std::equal(hello_world().begin(), hello_world().end(), c.begin() + header_size));
    secure::DeviceKeys keys;
    keys.ed25519_public = ed25519_signer().pub;
    kiln_device_policy policy{};
    policy.arena_capacity = UINT32_MAX;
    EXPECT_EQ(secure::verify(c, keys, policy, nullptr), KILN_CONTAINER_NO_DECRYPTION_KEY);
    // The wrong key of the right kind fails the unwrap.
    if (x25519) {
      keys.x25519_private = secure::generate_key(KeyKind::kX25519Private);
    } else {
      keys.aes_kw = secure::generate_key(KeyKind::kAesKw);
    }
    EXPECT_EQ(secure::verify(c, keys, policy, nullptr), KILN_CONTAINER_KEY_UNWRAP_FAILED);
    if (x25519) {
      keys.x25519_private = device_x25519;
    } else {
      keys.aes_kw = kw;
    }
    std::vector<uint8_t> plain;
    kiln_container_info info{};
    ASSERT_EQ(secure::verify(c, keys, policy, &info, &plain), KILN_CONTAINER_OK);
    EXPECT_EQ(plain, hello_world());
    EXPECT_EQ(info.header.header_size, header_size);
    // Every flip of the key area is refused too.
    std::vector<uint8_t> flipped = c;
    for (uint32_t byte = KILN_CONTAINER_HEADER_BYTES; byte < header_size; ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        flipped[byte] ^= static_cast<uint8_t>(1u << bit);
        const kiln_container_status status = secure::verify(flipped, keys, policy, nullptr);
        flipped[byte] ^= static_cast<uint8_t>(1u << bit);
        ASSERT_NE(status, KILN_CONTAINER_OK) << byte;
      }
    }
  }
}

TEST(Container, MalformedTlvAreasHaveTheirOwnStatus) {
  const std::vector<uint8_t> sealed = secure::seal(hello_world(), options_for(ed25519_signer()));
  kiln_container_header header;
  ASSERT_EQ(container::parse_header(sealed.data(), &header), KILN_CONTAINER_OK);
  const size_t area = header.header_size + header.payload_size;
  container::Tlvs tlvs{};
  // The first TLV (security counter) renamed to an unknown type, to a
  // duplicate of the second, and given a wrong length.
  std::vector<uint8_t> p(
      sealed.begin() + static_cast<std::ptrdiff_t>(area),
      sealed.begin() + static_cast<std::ptrdiff_t>(area + header.protected_size));
  EXPECT_EQ(container::parse_protected(p.data(), static_cast<uint32_t>(p.size()), &tlvs),
            KILN_CONTAINER_OK);
  std::vector<uint8_t> q = p;
  q[4] = 0x7F;
  EXPECT_EQ(container::parse_protected(q.data(), static_cast<uint32_t>(q.size()), &tlvs),
            KILN_CONTAINER_UNKNOWN_TLV);
  q = p;
  q[4] = KILN_TLV_MODEL_ID;
  EXPECT_EQ(container::parse_protected(q.data(), static_cast<uint32_t>(q.size()), &tlvs),
            KILN_CONTAINER_BAD_TLV_VALUE);
  q = p;
  q[6] = 200;
  EXPECT_EQ(container::parse_protected(q.data(), static_cast<uint32_t>(q.size()), &tlvs),
            KILN_CONTAINER_BAD_TLV);
  q = p;
  q[6] = 3;
  EXPECT_EQ(container::parse_protected(q.data(), static_cast<uint32_t>(q.size()), &tlvs),
            KILN_CONTAINER_BAD_TLV_LENGTH);
  q = p;
  q[0] ^= 1;
  EXPECT_EQ(container::parse_protected(q.data(), static_cast<uint32_t>(q.size()), &tlvs),
            KILN_CONTAINER_BAD_TLV_AREA);
  // The counter TLV twice (the target's place taken by a second counter).
  q = p;
  const size_t last = p.size() - 4 - 9;  // the target "cortex-m4" is last
  q.resize(last);
  const uint8_t counter[] = {KILN_TLV_SECURITY_COUNTER, 0, 4, 0, 9, 0, 0, 0};
  q.insert(q.end(), counter, counter + sizeof counter);
  container::store_u16(&q[2], static_cast<uint16_t>(q.size()));
  EXPECT_EQ(container::parse_protected(q.data(), static_cast<uint32_t>(q.size()), &tlvs),
            KILN_CONTAINER_DUPLICATE_TLV);
  q.resize(last);
  container::store_u16(&q[2], static_cast<uint16_t>(q.size()));
  EXPECT_EQ(container::parse_protected(q.data(), static_cast<uint32_t>(q.size()), &tlvs),
            KILN_CONTAINER_MISSING_TLV);
}

TEST(Container, HeaderChecksComeBeforeAnyCryptography) {
  std::vector<uint8_t> c = secure::seal(hello_world(), options_for(ed25519_signer()));
  const Device device;
  const auto with = [&](size_t at, uint8_t value) {
    std::vector<uint8_t> d = c;
    d[at] = value;
    return device.verify(d);
  };
  EXPECT_EQ(with(0, 0), KILN_CONTAINER_BAD_MAGIC);
  EXPECT_EQ(with(6, 2), KILN_CONTAINER_BAD_VERSION);
  EXPECT_EQ(with(12, 0), KILN_CONTAINER_BAD_SIGNATURE_KIND);  // unsigned
  EXPECT_EQ(with(12, 3), KILN_CONTAINER_BAD_SIGNATURE_KIND);
  EXPECT_EQ(with(13, 9), KILN_CONTAINER_BAD_ENCRYPTION_KIND);
  EXPECT_EQ(with(13, KILN_ENCRYPTION_AES_KW), KILN_CONTAINER_BAD_HEADER_SIZE);
  EXPECT_EQ(with(4, 48), KILN_CONTAINER_BAD_HEADER_SIZE);
  EXPECT_EQ(with(20, 1), KILN_CONTAINER_RESERVED_NOT_ZERO);
  EXPECT_EQ(with(11, 0x10), KILN_CONTAINER_PAYLOAD_TOO_LARGE);  // 256 MiB
  EXPECT_EQ(with(15, 0x10), KILN_CONTAINER_BAD_TLV_AREA);       // protected area over 512 bytes
  Device slot;
  slot.policy.max_container_bytes = static_cast<uint32_t>(c.size() - 1);
  EXPECT_EQ(slot.verify(c), KILN_CONTAINER_PAYLOAD_TOO_LARGE);
}

TEST(Container, KeyFilesRoundTripAndRefuseOtherText) {
  const Key key = secure::generate_key(KeyKind::kP256Private);
  const Key again = secure::parse_key(secure::format_key(key), "memory");
  EXPECT_EQ(again.kind, key.kind);
  EXPECT_EQ(again.bytes, key.bytes);
  EXPECT_EQ(secure::public_of(again).bytes.size(), 65u);
  const auto error = [](const std::string& text) {
    return test::error_of([&] { secure::parse_key(text, "k.key"); }, ErrorKind::kBadInput);
  };
  EXPECT_EQ(error("hello"), "k.key: not a kiln key file: no 'kiln-key KIND' line");
  EXPECT_EQ(error("kiln-key rsa\n00\n"), "k.key: not a kiln key file: unknown kind 'rsa'");
  EXPECT_EQ(error("kiln-key aes-kw\n00\n"),
            "k.key: not a kiln key file: a aes-kw key is 64 hex digits, not 2");
}

}  // namespace
}  // namespace kiln
