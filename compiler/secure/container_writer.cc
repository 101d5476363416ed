#include "compiler/secure/container_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "compiler/common/error.h"
#include "kiln/blob_format.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/nist_kw.h"
#include "sodium/crypto_sign_ed25519.h"
#include "update/container_layout.h"
#include "update/crypto.h"

namespace kiln {
namespace secure {
namespace {

using container::store_u16;
using container::store_u32;

constexpr uint32_t kUnprotectedSize = 4 + (4 + 32) + (4 + 32) + (4 + 64);

void check_name(const std::string& value, size_t max, const char* what) {
  if (value.empty() || value.size() > max) {
    throw Error(ErrorKind::kUsage,
                fmt::format("{} must be 1 to {} bytes, not {}", what, max, value.size()));
  }
  for (char c : value) {
    if (c < 0x20 || c > 0x7E)
      throw Error(ErrorKind::kUsage, fmt::format("{} must be printable ASCII", what));
  }
}

void add_tlv(std::vector<uint8_t>& area, uint16_t type, const void* value, size_t size) {
  const size_t at = area.size();
  area.resize(at + 4 + size);
  store_u16(&area[at], type);
  store_u16(&area[at + 2], static_cast<uint16_t>(size));
  std::memcpy(&area[at + 4], value, size);
}

void add_u32(std::vector<uint8_t>& area, uint16_t type, uint32_t value) {
  uint8_t bytes[4];
  store_u32(bytes, value);
  add_tlv(area, type, bytes, 4);
}

void finish_area(std::vector<uint8_t>& area, uint16_t magic) {
  store_u16(&area[0], magic);
  store_u16(&area[2], static_cast<uint16_t>(area.size()));
}

std::vector<uint8_t> aes_kw_wrap(const std::vector<uint8_t>& kek, const uint8_t content_key[32]) {
  mbedtls_nist_kw_context context;
  mbedtls_nist_kw_init(&context);
  std::vector<uint8_t> wrapped(KILN_CONTAINER_WRAPPED_KEY_BYTES);
  size_t written = 0;
  const bool ok =
      mbedtls_nist_kw_setkey(&context, MBEDTLS_CIPHER_ID_AES, kek.data(), 256, 1) == 0 &&
      mbedtls_nist_kw_wrap(&context, MBEDTLS_KW_MODE_KW, content_key, 32, wrapped.data(), &written,
                           wrapped.size()) == 0 &&
      written == wrapped.size();
  mbedtls_nist_kw_free(&context);
  if (!ok) throw Error(ErrorKind::kBadInput, "AES key wrap failed");
  return wrapped;
}

// The key area of an encrypted container, and the content key it wraps.
std::vector<uint8_t> key_area(const Key& device_key, uint8_t encryption,
                              const uint8_t content_key[32]) {
  std::vector<uint8_t> area(container::key_area_size(encryption), 0);
  if (encryption == KILN_ENCRYPTION_AES_KW) {
    const std::vector<uint8_t> wrapped = aes_kw_wrap(device_key.bytes, content_key);
    std::copy(wrapped.begin(), wrapped.end(), area.begin());
    return area;
  }
  const Key ephemeral = generate_key(KeyKind::kX25519Private);
  const Key ephemeral_public = public_of(ephemeral);
  uint8_t info[container::kHkdfInfoBytes];
  container::hkdf_info(ephemeral_public.bytes.data(), device_key.bytes.data(), info);
  std::vector<uint8_t> kek(32);
  if (crypto::x25519_hkdf(ephemeral.bytes.data(), device_key.bytes.data(), info, sizeof info,
                          kek.data()) != crypto::Result::kOk) {
    throw Error(ErrorKind::kBadInput, "the device's X25519 public key is of small order");
  }
  const std::vector<uint8_t> wrapped = aes_kw_wrap(kek, content_key);
  crypto::wipe(kek.data(), kek.size());
  std::copy(ephemeral_public.bytes.begin(), ephemeral_public.bytes.end(), area.begin());
  std::copy(wrapped.begin(), wrapped.end(), area.begin() + 32);
  return area;
}

int random_for_mbedtls(void*, unsigned char* out, size_t size) {
  random_bytes(out, size);
  return 0;
}

std::vector<uint8_t> sign_digest(const Key& key, const uint8_t digest[32]) {
  std::vector<uint8_t> signature(64);
  if (key.kind == KeyKind::kEd25519Private) {
    uint8_t public_key[32];
    uint8_t secret[64];
    crypto_sign_ed25519_seed_keypair(public_key, secret, key.bytes.data());
    crypto_sign_ed25519_detached(signature.data(), nullptr, digest, 32, secret);
    crypto::wipe(secret, sizeof secret);
    return signature;
  }
  // ECDSA with the nonce derived from the key and digest (RFC 6979).
  mbedtls_ecp_group group;
  mbedtls_mpi d, r, s;
  mbedtls_ecp_group_init(&group);
  mbedtls_mpi_init(&d);
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  const bool ok = mbedtls_ecp_group_load(&group, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
                  mbedtls_mpi_read_binary(&d, key.bytes.data(), 32) == 0 &&
                  mbedtls_ecdsa_sign_det_ext(&group, &r, &s, &d, digest, 32, MBEDTLS_MD_SHA256,
                                             random_for_mbedtls, nullptr) == 0 &&
                  mbedtls_mpi_write_binary(&r, signature.data(), 32) == 0 &&
                  mbedtls_mpi_write_binary(&s, signature.data() + 32, 32) == 0;
  mbedtls_mpi_free(&s);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&d);
  mbedtls_ecp_group_free(&group);
  if (!ok) throw Error(ErrorKind::kBadInput, "ECDSA signing failed");
  return signature;
}

}  // namespace

BlobFields blob_fields(const std::vector<uint8_t>& blob) {
  blob::BlobHeader header;
  if (blob.size() < sizeof header || std::memcmp(blob.data(), blob::kMagic, 4) != 0) {
    throw Error(ErrorKind::kBadModel,
                "not a .kiln blob (no KILN magic): sign what `kiln compile` wrote");
  }
  std::memcpy(&header, blob.data(), sizeof header);
  const uint64_t ops_end =
      uint64_t{header.ops_offset} + uint64_t{header.num_ops} * sizeof(blob::OpRecord);
  if (header.total_bytes != blob.size() || ops_end > blob.size()) {
    throw Error(ErrorKind::kBadModel,
                fmt::format("the .kiln blob is {} bytes but its header says {} (truncated?)",
                            blob.size(), header.total_bytes));
  }
  std::set<uint16_t> opcodes;
  for (uint32_t i = 0; i < header.num_ops; ++i) {
    blob::OpRecord op;
    std::memcpy(&op, blob.data() + header.ops_offset + i * sizeof op, sizeof op);
    opcodes.insert(op.opcode);
  }
  std::vector<uint8_t> list;
  for (uint16_t opcode : opcodes) {
    list.push_back(static_cast<uint8_t>(opcode));
    list.push_back(static_cast<uint8_t>(opcode >> 8));
  }
  BlobFields fields{uint32_t{header.version_major} << 16 | header.version_minor, header.arena_bytes,
                    header.state_bytes, std::vector<uint8_t>(32)};
  crypto::sha256(list.data(), list.size(), fields.opset_hash.data());
  return fields;
}

std::vector<uint8_t> seal(const std::vector<uint8_t>& blob, const SealOptions& options) {
  const BlobFields fields = blob_fields(blob);
  check_name(options.model_id, KILN_CONTAINER_MAX_MODEL_ID_BYTES, "the model id");
  check_name(options.target, KILN_CONTAINER_MAX_TARGET_BYTES, "the target");
  const Key& signer = options.signing_key;
  if (signer.kind != KeyKind::kEd25519Private && signer.kind != KeyKind::kP256Private) {
    throw Error(ErrorKind::kUsage,
                fmt::format("a {} key cannot sign: give an ed25519-private or p256-private key",
                            key_kind_name(signer.kind)));
  }
  uint8_t encryption = KILN_ENCRYPTION_NONE;
  if (options.encrypt_for) {
    const KeyKind kind = options.encrypt_for->kind;
    if (kind != KeyKind::kAesKw && kind != KeyKind::kX25519Public) {
      throw Error(ErrorKind::kUsage,
                  fmt::format("cannot encrypt for a {} key: give the device's aes-kw key or its "
                              "x25519-public key",
                              key_kind_name(kind)));
    }
    encryption = kind == KeyKind::kAesKw ? KILN_ENCRYPTION_AES_KW : KILN_ENCRYPTION_X25519;
  }
  if (blob.size() > KILN_CONTAINER_MAX_PAYLOAD_BYTES)
    throw Error(ErrorKind::kBadModel, "the blob is too large");

  std::vector<uint8_t> protected_area(4);
  add_u32(protected_area, KILN_TLV_SECURITY_COUNTER, options.security_counter);
  add_tlv(protected_area, KILN_TLV_MODEL_ID, options.model_id.data(), options.model_id.size());
  add_u32(protected_area, KILN_TLV_FORMAT_VERSION, fields.format_version);
  add_tlv(protected_area, KILN_TLV_OPSET_HASH, fields.opset_hash.data(), 32);
  add_u32(protected_area, KILN_TLV_ARENA_BYTES, fields.arena_bytes);
  add_u32(protected_area, KILN_TLV_STATE_BYTES, fields.state_bytes);
  add_tlv(protected_area, KILN_TLV_TARGET, options.target.data(), options.target.size());
  finish_area(protected_area, KILN_CONTAINER_PROTECTED_MAGIC);

  kiln_container_header header{};
  header.magic = KILN_CONTAINER_MAGIC;
  header.header_size =
      static_cast<uint16_t>(KILN_CONTAINER_HEADER_BYTES + container::key_area_size(encryption));
  header.version = KILN_CONTAINER_VERSION;
  header.payload_size = static_cast<uint32_t>(blob.size());
  header.signature =
      signer.kind == KeyKind::kEd25519Private ? KILN_SIGNATURE_ED25519 : KILN_SIGNATURE_ECDSA_P256;
  header.encryption = encryption;
  header.protected_size = static_cast<uint16_t>(protected_area.size());
  header.unprotected_size = kUnprotectedSize;

  std::vector<uint8_t> out(header.header_size);
  container::write_header(header, out.data());
  uint8_t content_key[32];
  if (encryption != KILN_ENCRYPTION_NONE) {
    random_bytes(content_key, sizeof content_key);
    const std::vector<uint8_t> area = key_area(*options.encrypt_for, encryption, content_key);
    std::copy(area.begin(), area.end(), out.begin() + KILN_CONTAINER_HEADER_BYTES);
  }
  // The digest: header and key area, the payload in plain text, the protected TLVs.
  crypto::Sha256 hash;
  hash.update(out.data(), out.size());
  hash.update(blob.data(), blob.size());
  hash.update(protected_area.data(), protected_area.size());
  uint8_t digest[32];
  hash.finish(digest);

  const size_t payload_at = out.size();
  out.resize(payload_at + blob.size());
  if (encryption != KILN_ENCRYPTION_NONE) {
    crypto::Aes256Ctr cipher(content_key);
    cipher.apply(blob.data(), out.data() + payload_at, blob.size());
    crypto::wipe(content_key, sizeof content_key);
  } else {
    std::copy(blob.begin(), blob.end(), out.begin() + payload_at);
  }
  out.insert(out.end(), protected_area.begin(), protected_area.end());

  std::vector<uint8_t> unprotected(4);
  add_tlv(unprotected, KILN_TLV_SHA256, digest, 32);
  const std::vector<uint8_t> signer_hash = key_hash(public_of(signer));
  add_tlv(unprotected, KILN_TLV_KEY_HASH, signer_hash.data(), 32);
  const std::vector<uint8_t> signature = sign_digest(signer, digest);
  add_tlv(unprotected, KILN_TLV_SIGNATURE, signature.data(), signature.size());
  finish_area(unprotected, KILN_CONTAINER_UNPROTECTED_MAGIC);
  out.insert(out.end(), unprotected.begin(), unprotected.end());
  return out;
}

Inspection inspect(const std::vector<uint8_t>& bytes) {
  Inspection result{};
  const auto done = [&](kiln_container_status status) {
    result.status = status;
    return result;
  };
  if (bytes.size() < KILN_CONTAINER_HEADER_BYTES) return done(KILN_CONTAINER_TRUNCATED);
  kiln_container_header& header = result.info.header;
  const kiln_container_status parsed = container::parse_header(bytes.data(), &header);
  result.signature_kind = header.signature == KILN_SIGNATURE_ED25519 ? "ed25519"
                          : header.signature == KILN_SIGNATURE_ECDSA_P256
                              ? "ecdsa-p256"
                              : fmt::format("unknown ({})", header.signature);
  result.encryption_kind = header.encryption == KILN_ENCRYPTION_NONE ? "none"
                           : header.encryption == KILN_ENCRYPTION_AES_KW
                               ? "aes-256-ctr, key wrapped with aes-kw"
                           : header.encryption == KILN_ENCRYPTION_X25519
                               ? "aes-256-ctr, key from x25519 + hkdf-sha256"
                               : fmt::format("unknown ({})", header.encryption);
  if (parsed != KILN_CONTAINER_OK) return done(parsed);
  result.info.total_size = container::total_size(header);
  if (bytes.size() < result.info.total_size) return done(KILN_CONTAINER_TRUNCATED);
  if (bytes.size() > result.info.total_size) return done(KILN_CONTAINER_TRAILING_BYTES);
  container::Tlvs tlvs{};
  const uint8_t* protected_area = bytes.data() + header.header_size + header.payload_size;
  kiln_container_status status =
      container::parse_protected(protected_area, header.protected_size, &tlvs);
  if (status == KILN_CONTAINER_OK) {
    status = container::parse_unprotected(protected_area + header.protected_size,
                                          header.unprotected_size, &tlvs);
  }
  const kiln_container_header parsed_header = header;  // fill_info() clears info, header included
  container::fill_info(parsed_header, tlvs, tlvs.digest, &result.info);
  return done(status);
}

DeviceKeys DeviceKeys::read(const std::vector<std::string>& paths) {
  DeviceKeys keys;
  for (const std::string& path : paths) {
    Key key = read_key(path);
    switch (key.kind) {
      case KeyKind::kEd25519Public: keys.ed25519_public = key; break;
      case KeyKind::kP256Public: keys.p256_public = key; break;
      case KeyKind::kAesKw: keys.aes_kw = key; break;
      case KeyKind::kX25519Private: keys.x25519_private = key; break;
      default:
        throw Error(ErrorKind::kUsage,
                    fmt::format("{}: a device holds signers' public keys and its own x25519 or "
                                "aes-kw key, not a {} key",
                                path, key_kind_name(key.kind)));
    }
  }
  return keys;
}

const kiln_device_keys& DeviceKeys::view() {
  view_ = kiln_device_keys{};
  if (ed25519_public) view_.ed25519_public = ed25519_public->bytes.data();
  if (p256_public) view_.p256_public = p256_public->bytes.data();
  if (aes_kw) view_.aes_kw_key = aes_kw->bytes.data();
  if (x25519_private) {
    x25519_public_ = public_of(*x25519_private);
    view_.x25519_private = x25519_private->bytes.data();
    view_.x25519_public = x25519_public_->bytes.data();
  }
  return view_;
}

kiln_container_status verify(const std::vector<uint8_t>& container, DeviceKeys keys,
                             const kiln_device_policy& policy, kiln_container_info* info,
                             std::vector<uint8_t>* plaintext) {
  const kiln_device_keys& device = keys.view();
  if (container.size() > UINT32_MAX) return KILN_CONTAINER_PAYLOAD_TOO_LARGE;
  kiln_verifier verifier;
  kiln_verifier_init(&verifier, &device, &policy, KILN_VERIFY_RECEIVED);
  std::vector<uint8_t> out(container.size());
  kiln_container_status status = kiln_verifier_update(
      &verifier, container.data(), static_cast<uint32_t>(container.size()), out.data());
  if (status != KILN_CONTAINER_OK) {
    kiln_verifier_abort(&verifier);
    return status;
  }
  kiln_container_info local{};
  status = kiln_verifier_finish(&verifier, info != nullptr ? info : &local);
  if (status == KILN_CONTAINER_OK && plaintext != nullptr) {
    const kiln_container_info& i = info != nullptr ? *info : local;
    plaintext->assign(out.begin() + i.header.header_size,
                      out.begin() + i.header.header_size + i.header.payload_size);
  }
  return status;
}

}  // namespace secure
}  // namespace kiln
