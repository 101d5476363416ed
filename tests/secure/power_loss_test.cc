// The updater under power cuts: every flash operation of an update (the
// download, the trial boot, the confirmation, the boot after it) is cut,
// before it starts and in its middle, then the device reboots and
// recovers, and the recovery's own first operations are cut too. The
// device must always boot a model that verifies and is entirely the old one
// or entirely the new one, and never the old one once the new one was
// confirmed.
#include <gtest/gtest.h>

#include <map>

#include "compiler/pipeline/compile.h"
#include "compiler/secure/container_writer.h"
#include "tests/secure/sim_flash.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

using secure::Key;
using secure::KeyKind;
using test::Cut;
using test::SimFlash;

constexpr uint32_t kSector = 1024;
constexpr uint32_t kWriteSize = 8;
constexpr uint32_t kSlotSize = 4 * kSector;
constexpr kiln_update_layout kLayout = {{0, kSlotSize}, kSlotSize, 2 * kSlotSize};
constexpr uint32_t kFlashSize = 2 * kSlotSize + 2 * kSector;

struct Fleet {
  Key signer = secure::generate_key(KeyKind::kEd25519Private);
  Key signer_public = secure::public_of(signer);
  Key device_x25519 = secure::generate_key(KeyKind::kX25519Private);
  Key device_x25519_public = secure::public_of(device_x25519);
  // Two real models: TFLite Micro's hello_world and its network tester.
  std::vector<uint8_t> blobs[2] = {
      load_blob(test::shared_dir() + "/models/tflite_micro/hello_world_int8.tflite", "cortex-m4"),
      load_blob(test::shared_dir() + "/models/tflite_micro/network_tester_network_model.tflite",
                "cortex-m4")};
  kiln_device_keys keys{};
  kiln_device_policy policy{};

  Fleet() {
    keys.ed25519_public = signer_public.bytes.data();
    keys.x25519_private = device_x25519.bytes.data();
    keys.x25519_public = device_x25519_public.bytes.data();
    policy.arena_capacity = 1 << 20;
    policy.target = "cortex-m4";
  }
  // Model `which` (0 or 1) with a counter, encrypted for the device.
  std::vector<uint8_t> container(int which, uint32_t counter) const {
    secure::SealOptions options;
    options.signing_key = signer;
    options.security_counter = counter;
    options.model_id = which == 0 ? "hello_world" : "network_tester";
    options.target = "cortex-m4";
    options.encrypt_for = device_x25519_public;
    return secure::seal(blobs[which], options);
  }
};

const Fleet& fleet() {
  static const Fleet f;
  return f;
}

// One boot of the device: open the journal, recover, choose.
kiln_update_status boot(SimFlash& sim, kiln_updater* updater, kiln_boot_choice* choice) {
  kiln_update_status s =
      kiln_updater_open(updater, sim.flash(), &kLayout, &fleet().keys, &fleet().policy);
  if (s == KILN_UPDATE_OK) s = kiln_updater_boot(updater, choice);
  return s;
}

// Which model the chosen slot holds in the clear, byte for byte: 0, 1, or
// -1 for neither.
int booted_model(SimFlash& sim, const kiln_boot_choice& choice) {
  for (int which = 0; which < 2; ++which) {
    const std::vector<uint8_t>& blob = fleet().blobs[which];
    if (choice.blob_size == blob.size() &&
        std::equal(blob.begin(), blob.end(), sim.bytes().begin() + choice.blob_address)) {
      return which;
    }
  }
  return -1;
}

// What an update got through before the power went.
struct Progress {
  bool confirmed = false;  // kiln_update_confirm returned OK
};

// The whole update: download, reboot into the trial, self-test, confirm,
// reboot, and (with `next`) half the download of the next update. Stops at the first failure (after
// a cut every operation fails).
void update(SimFlash& sim, const std::vector<uint8_t>& container, int new_model, Progress* progress,
            const std::vector<uint8_t>* next = nullptr) {
  kiln_updater updater;
  kiln_boot_choice choice;
  const kiln_update_status booted = boot(sim, &updater, &choice);
  if (booted != KILN_UPDATE_OK && booted != KILN_UPDATE_NO_MODEL)
    return;  // no model before the first
  if (kiln_update_begin(&updater, static_cast<uint32_t>(container.size())) != KILN_UPDATE_OK)
    return;
  for (size_t at = 0; at < container.size(); at += 100) {
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(100, container.size() - at));
    if (kiln_update_write(&updater, container.data() + at, n) != KILN_UPDATE_OK) return;
  }
  if (kiln_update_finish(&updater) != KILN_UPDATE_OK) return;
  if (boot(sim, &updater, &choice) != KILN_UPDATE_OK || !choice.trial) return;
  if (booted_model(sim, choice) != new_model) return;  // the self-test
  if (kiln_update_confirm(&updater) != KILN_UPDATE_OK) return;
  progress->confirmed = true;
  if (boot(sim, &updater, &choice) != KILN_UPDATE_OK || !next) return;
  // The next update starts, erasing the slot the old model was in: the new
  // one must stay.
  if (kiln_update_begin(&updater, static_cast<uint32_t>(next->size())) != KILN_UPDATE_OK) return;
  kiln_update_write(&updater, next->data(), static_cast<uint32_t>(next->size() / 2));
}

// A device with model `active` confirmed after `cycles` updates (the
// journal filling up), and what the next update installs.
struct Start {
  std::vector<uint8_t> flash;
  int old_model;
  uint32_t next_counter;
};

Start provision(uint32_t cycles) {
  SimFlash sim(kFlashSize, kSector, kWriteSize);
  kiln_updater updater;
  EXPECT_EQ(kiln_updater_format(&updater, sim.flash(), &kLayout), KILN_UPDATE_OK);
  int model = 0;
  for (uint32_t i = 0; i <= cycles; ++i) {
    model = static_cast<int>(i % 2);
    Progress progress;
    update(sim, fleet().container(model, i + 1), model, &progress);
    EXPECT_TRUE(progress.confirmed) << "cycle " << i;
  }
  return Start{sim.bytes(), model, cycles + 2};
}

struct Matrix {
  uint64_t cut_points = 0, runs = 0, old_booted = 0, new_booted = 0, trials = 0,
           after_confirmation = 0;
  bool compacted = false;  // the journal moved to its other sector during the update
};

// Every cut of one update from `start`, each kind, each followed by a
// recovery cut at its first `recovery_cuts` operations (and none).
void cut_everywhere(const Start& start, int recovery_cuts, Matrix* out) {
  const int new_model = 1 - start.old_model;
  const std::vector<uint8_t> container = fleet().container(new_model, start.next_counter);
  const std::vector<uint8_t> after = fleet().container(start.old_model, start.next_counter + 1);
  SimFlash sim(kFlashSize, kSector, kWriteSize);
  sim.bytes() = start.flash;
  kiln_updater updater;
  kiln_boot_choice choice;
  ASSERT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_OK);
  const uint32_t sector_before = updater.state.journal_sector;
  Progress dry;
  update(sim, container, new_model, &dry, &after);
  EXPECT_TRUE(dry.confirmed);
  ASSERT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_OK);
  out->compacted = updater.state.journal_sector != sector_before;
  const uint64_t operations = sim.operations();
  Matrix& m = *out;
  m.cut_points = operations;
  for (uint64_t i = 0; i < operations; ++i) {
    for (Cut kind : {Cut::kBefore, Cut::kTorn}) {
      for (int recovery_cut = -1; recovery_cut < recovery_cuts; ++recovery_cut) {
        SCOPED_TRACE(testing::Message()
                     << "cut at operation " << i << (kind == Cut::kTorn ? " (torn)" : "")
                     << ", recovery cut " << recovery_cut);
        sim.bytes() = start.flash;
        sim.restore_power();
        sim.cut_at(i, kind);
        Progress progress;
        update(sim, container, new_model, &progress, &after);
        ASSERT_FALSE(sim.powered());
        sim.restore_power();
        if (recovery_cut >= 0) {
          sim.cut_at(static_cast<uint64_t>(recovery_cut), kind);
          boot(sim, &updater, &choice);
          sim.restore_power();
        }
        ASSERT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_OK);
        const int booted = booted_model(sim, choice);
        ASSERT_NE(booted, -1) << "the booted slot holds neither model whole";
        if (progress.confirmed) {
          ASSERT_EQ(booted, new_model) << "a confirmed update reverted";
          ASSERT_FALSE(choice.trial);
          ++m.after_confirmation;
        }
        // A trial that is not confirmed is reverted at the next boot.
        if (choice.trial) {
          ++m.trials;
          ASSERT_EQ(booted, new_model);
          ASSERT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_OK);
          ASSERT_EQ(booted_model(sim, choice), start.old_model);
        }
        ++(booted == new_model ? m.new_booted : m.old_booted);
        ++m.runs;
        // And the device still updates.
        Progress again;
        update(sim, container, new_model, &again);
        if (booted_model(sim, choice) != new_model || !again.confirmed) {
          ASSERT_TRUE(boot(sim, &updater, &choice) == KILN_UPDATE_OK &&
                      booted_model(sim, choice) == new_model && !choice.trial)
              << "the update cannot be completed after recovery";
        }
      }
    }
  }
}

void report(const char* name, const Matrix& m) {
  std::printf(
      "%s: %llu cut points x 2 kinds x recovery cuts = %llu runs; booted old %llu, new %llu (%llu "
      "on trial, "
      "then reverted; %llu cut after the confirmation)\n",
      name, static_cast<unsigned long long>(m.cut_points), static_cast<unsigned long long>(m.runs),
      static_cast<unsigned long long>(m.old_booted), static_cast<unsigned long long>(m.new_booted),
      static_cast<unsigned long long>(m.trials),
      static_cast<unsigned long long>(m.after_confirmation));
}

TEST(PowerLoss, EveryCutOfAnUpdateBootsTheOldOrTheNewModelWhole) {
  Matrix m;
  cut_everywhere(provision(0), 3, &m);
  report("fresh journal", m);
  EXPECT_GT(m.cut_points, 200u);
  EXPECT_GT(m.old_booted, 0u);
  EXPECT_GT(m.after_confirmation, 0u);
}

// The journal's sector fills during the update: after 6, 14, 22 and 30
// earlier updates, its record of the confirmation, the trial, the staging
// and the download is the one that compacts it into the other sector.
TEST(PowerLoss, EveryCutWhileTheJournalCompacts) {
  for (const auto& [cycles, record] : std::map<uint32_t, const char*>{
           {6, "confirmation"}, {14, "trial"}, {22, "staging"}, {30, "download"}}) {
    Matrix m;
    cut_everywhere(provision(cycles), 2, &m);
    EXPECT_TRUE(m.compacted) << record;
    report((std::string("journal compacting at the ") + record).c_str(), m);
  }
}

TEST(PowerLoss, DowngradeAndForeignContainersAreRefusedAndChangeNothing) {
  Start start = provision(2);  // counter 3 confirmed
  SimFlash sim(kFlashSize, kSector, kWriteSize);
  sim.bytes() = start.flash;
  kiln_updater updater;
  kiln_boot_choice choice;
  ASSERT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_OK);
  EXPECT_EQ(updater.state.security_counter, 3u);
  const std::vector<uint8_t> old = fleet().container(1, 2);
  ASSERT_EQ(kiln_update_begin(&updater, static_cast<uint32_t>(old.size())), KILN_UPDATE_OK);
  ASSERT_EQ(kiln_update_write(&updater, old.data(), static_cast<uint32_t>(old.size())),
            KILN_UPDATE_OK);
  EXPECT_EQ(kiln_update_finish(&updater), KILN_UPDATE_REFUSED);
  EXPECT_EQ(updater.refusal, KILN_CONTAINER_DOWNGRADE);
  // A container a stranger signed.
  secure::SealOptions options;
  options.signing_key = secure::generate_key(KeyKind::kEd25519Private);
  options.security_counter = 9;
  options.model_id = "x";
  options.target = "cortex-m4";
  const std::vector<uint8_t> foreign = secure::seal(fleet().blobs[1], options);
  ASSERT_EQ(kiln_update_begin(&updater, static_cast<uint32_t>(foreign.size())), KILN_UPDATE_OK);
  ASSERT_EQ(kiln_update_write(&updater, foreign.data(), static_cast<uint32_t>(foreign.size())),
            KILN_UPDATE_OK);
  EXPECT_EQ(kiln_update_finish(&updater), KILN_UPDATE_REFUSED);
  EXPECT_EQ(updater.refusal, KILN_CONTAINER_UNKNOWN_KEY);
  // A container too large for the slot is refused before anything is erased.
  EXPECT_EQ(kiln_update_begin(&updater, kSlotSize + 1), KILN_UPDATE_REFUSED);
  ASSERT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_OK);
  EXPECT_EQ(booted_model(sim, choice), start.old_model);
  EXPECT_FALSE(choice.trial);
}

TEST(PowerLoss, RejectedTrialBootsTheOldModel) {
  Start start = provision(0);
  SimFlash sim(kFlashSize, kSector, kWriteSize);
  sim.bytes() = start.flash;
  const std::vector<uint8_t> next = fleet().container(1, 5);
  kiln_updater updater;
  kiln_boot_choice choice;
  ASSERT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_OK);
  ASSERT_EQ(kiln_update_begin(&updater, static_cast<uint32_t>(next.size())), KILN_UPDATE_OK);
  ASSERT_EQ(kiln_update_write(&updater, next.data(), static_cast<uint32_t>(next.size())),
            KILN_UPDATE_OK);
  ASSERT_EQ(kiln_update_finish(&updater), KILN_UPDATE_OK);
  ASSERT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_OK);
  EXPECT_TRUE(choice.trial);
  EXPECT_EQ(booted_model(sim, choice), 1);
  EXPECT_EQ(kiln_update_reject(&updater), KILN_UPDATE_OK);
  ASSERT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_OK);
  EXPECT_EQ(booted_model(sim, choice), 0);
  EXPECT_FALSE(choice.trial);
  EXPECT_EQ(updater.state.security_counter, 1u);  // the rejected counter never counted
  EXPECT_EQ(kiln_update_confirm(&updater), KILN_UPDATE_BAD_STATE);
}

TEST(PowerLoss, BadLayoutsAreRefused) {
  SimFlash sim(kFlashSize, kSector, kWriteSize);
  kiln_updater updater;
  kiln_update_layout overlapping = kLayout;
  overlapping.slot_address[1] = kSector;
  EXPECT_EQ(kiln_updater_format(&updater, sim.flash(), &overlapping), KILN_UPDATE_BAD_LAYOUT);
  kiln_update_layout misaligned = kLayout;
  misaligned.journal_address += 8;
  EXPECT_EQ(kiln_updater_format(&updater, sim.flash(), &misaligned), KILN_UPDATE_BAD_LAYOUT);
  // An unformatted journal has no model.
  kiln_boot_choice choice;
  EXPECT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_NO_MODEL);
}

}  // namespace
}  // namespace kiln
