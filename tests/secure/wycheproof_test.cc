// Project Wycheproof's vectors (../shared/crypto/wycheproof) through the
// cryptography a device runs to check and open a model container: every
// valid case accepted, every invalid one refused.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "compiler/secure/keys.h"
#include "mbedtls/gcm.h"
#include "tests/secure/wycheproof_files.h"
#include "tests/support/test_support.h"
#include "update/crypto.h"

namespace kiln {
namespace {

using crypto::Result;

// Counts of a file's cases: each must come out as its result says.
struct Tally {
  int valid = 0, invalid = 0, acceptable = 0, wrong = 0;
  void add(const nlohmann::json& test, bool accepted) {
    const std::string result = test["result"];
    if (result == "valid") {
      ++valid;
      if (!accepted) ++wrong;
    } else if (result == "invalid") {
      ++invalid;
      if (accepted) ++wrong;
    } else {
      ++acceptable;
    }
    if ((result == "valid" && !accepted) || (result == "invalid" && accepted)) {
      ADD_FAILURE() << "tcId " << test["tcId"] << " (" << test["comment"] << "): " << result
                    << " but " << (accepted ? "accepted" : "refused");
    }
  }
};

TEST(Wycheproof, Ed25519) {
  const nlohmann::json file = test::wycheproof_file("ed25519_test.json");
  Tally tally;
  for (const auto& group : file["testGroups"]) {
    const std::vector<uint8_t> key = test::hex_bytes(group["publicKey"]["pk"]);
    ASSERT_EQ(key.size(), 32u);
    for (const auto& test : group["tests"]) {
      const std::vector<uint8_t> msg = test::hex_bytes(test["msg"]);
      const std::vector<uint8_t> sig = test::hex_bytes(test["sig"]);
      tally.add(test, sig.size() == 64 && crypto::ed25519_verify(sig.data(), msg.data(), msg.size(),
                                                                 key.data()) == Result::kOk);
    }
  }
  EXPECT_EQ(tally.valid, 88);
  EXPECT_EQ(tally.invalid, 63);
  EXPECT_EQ(tally.wrong, 0);
}

// ECDSA P-256 over SHA-256 of the message; the container signs a digest,
// which is the same computation.
void ecdsa_file(const std::string& name, bool der, int valid, int invalid) {
  const nlohmann::json file = test::wycheproof_file(name);
  Tally tally;
  for (const auto& group : file["testGroups"]) {
    const std::vector<uint8_t> key = test::hex_bytes(group["publicKey"]["uncompressed"]);
    ASSERT_EQ(key.size(), 65u);
    for (const auto& test : group["tests"]) {
      const std::vector<uint8_t> msg = test::hex_bytes(test["msg"]);
      std::optional<std::vector<uint8_t>> sig = test::hex_bytes(test["sig"]);
      if (der) sig = secure::ecdsa_der_to_raw(*sig);
      uint8_t hash[32];
      crypto::sha256(msg.data(), msg.size(), hash);
      tally.add(test, sig && sig->size() == 64 &&
                          crypto::p256_verify(sig->data(), hash, key.data()) == Result::kOk);
    }
  }
  EXPECT_EQ(tally.valid, valid);
  EXPECT_EQ(tally.invalid, invalid);
  EXPECT_EQ(tally.wrong, 0);
}

TEST(Wycheproof, EcdsaP256RawSignatures) {
  ecdsa_file("ecdsa_secp256r1_sha256_p1363_test.json", false, 173, 89);
}

TEST(Wycheproof, EcdsaP256DerSignatures) {
  ecdsa_file("ecdsa_secp256r1_sha256_test.json", true, 174, 310);
}

TEST(Wycheproof, X25519) {
  const nlohmann::json file = test::wycheproof_file("x25519_test.json");
  Tally tally;
  int zero_refused = 0;
  for (const auto& group : file["testGroups"]) {
    for (const auto& test : group["tests"]) {
      const std::vector<uint8_t> pub = test::hex_bytes(test["public"]);
      const std::vector<uint8_t> priv = test::hex_bytes(test["private"]);
      const std::vector<uint8_t> expected = test::hex_bytes(test["shared"]);
      uint8_t shared[32];
      const bool agreed = crypto::x25519(priv.data(), pub.data(), shared) == Result::kOk;
      // An acceptable case must still be right when it is accepted; the
      // only refusals allowed are of an all-zero secret (small-order keys).
      const bool zero = expected == std::vector<uint8_t>(32, 0);
      if (agreed) {
        EXPECT_EQ(std::vector<uint8_t>(shared, shared + 32), expected) << "tcId " << test["tcId"];
      } else {
        EXPECT_TRUE(zero) << "tcId " << test["tcId"] << " refused with a non-zero secret";
        ++zero_refused;
      }
      tally.add(test, agreed);
    }
  }
  EXPECT_EQ(tally.valid, 264);
  EXPECT_EQ(tally.acceptable, 254);
  EXPECT_EQ(tally.wrong, 0);
  EXPECT_EQ(zero_refused, 31);  // the ZeroSharedSecret cases
}

TEST(Wycheproof, HkdfSha256) {
  const nlohmann::json file = test::wycheproof_file("hkdf_sha256_test.json");
  Tally tally;
  for (const auto& group : file["testGroups"]) {
    for (const auto& test : group["tests"]) {
      const std::vector<uint8_t> ikm = test::hex_bytes(test["ikm"]),
                                 salt = test::hex_bytes(test["salt"]),
                                 info = test::hex_bytes(test["info"]);
      const size_t size = test["size"];
      std::vector<uint8_t> okm(size);
      const bool derived =
          crypto::hkdf_sha256(salt.data(), salt.size(), ikm.data(), ikm.size(), info.data(),
                              info.size(), okm.data(), size) == Result::kOk;
      if (derived && test["result"] == "valid") {
        EXPECT_EQ(okm, test::hex_bytes(test["okm"])) << "tcId " << test["tcId"];
      }
      tally.add(test, derived);
    }
  }
  EXPECT_EQ(tally.valid, 83);
  EXPECT_EQ(tally.invalid, 3);
  EXPECT_EQ(tally.wrong, 0);
}

TEST(Wycheproof, AesGcm) {
  const nlohmann::json file = test::wycheproof_file("aes_gcm_test.json");
  Tally tally;
  for (const auto& group : file["testGroups"]) {
    for (const auto& test : group["tests"]) {
      const std::vector<uint8_t> key = test::hex_bytes(test["key"]),
                                 iv = test::hex_bytes(test["iv"]),
                                 aad = test::hex_bytes(test["aad"]);
      const std::vector<uint8_t> msg = test::hex_bytes(test["msg"]),
                                 ct = test::hex_bytes(test["ct"]),
                                 tag = test::hex_bytes(test["tag"]);
      mbedtls_gcm_context gcm;
      mbedtls_gcm_init(&gcm);
      std::vector<uint8_t> plain(ct.size() + 1);
      bool opened =
          mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key.data(),
                             static_cast<unsigned>(key.size() * 8)) == 0 &&
          mbedtls_gcm_auth_decrypt(&gcm, ct.size(), iv.data(), iv.size(), aad.data(), aad.size(),
                                   tag.data(), tag.size(), ct.data(), plain.data()) == 0;
      if (opened) {
        opened = std::equal(msg.begin(), msg.end(), plain.begin()) && msg.size() == ct.size();
        // And sealing the message gives the vector's ciphertext and tag.
        std::vector<uint8_t> sealed(msg.size() + 1), sealed_tag(tag.size());
        EXPECT_EQ(mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, msg.size(), iv.data(),
                                            iv.size(), aad.data(), aad.size(), msg.data(),
                                            sealed.data(), sealed_tag.size(), sealed_tag.data()),
                  0);
        EXPECT_TRUE(std::equal(ct.begin(), ct.end(), sealed.begin()) && sealed_tag == tag)
            << "tcId " << test["tcId"];
      }
      mbedtls_gcm_free(&gcm);
      tally.add(test, opened);
    }
  }
  EXPECT_EQ(tally.valid, 229);
  EXPECT_EQ(tally.invalid, 87);
  EXPECT_EQ(tally.wrong, 0);
}

}  // namespace
}  // namespace kiln
