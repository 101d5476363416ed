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
#include "tests/secure/power_loss_scenario.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

using power_loss::kFlashSize;
using power_loss::kLayout;
using power_loss::kSector;
using power_loss::kSlotSize;
using power_loss::kWriteSize;
using power_loss::Span;
using secure::Key;
using secure::KeyKind;
using Flash = firmware::PowerCutFlash;
using firmware::Cut;

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
  power_loss::Device device{};

  Fleet() {
    keys.ed25519_public = signer_public.bytes.data();
    keys.x25519_private = device_x25519.bytes.data();
    keys.x25519_public = device_x25519_public.bytes.data();
    policy.arena_capacity = 1 << 20;
    policy.target = "cortex-m4";
    device = {&keys, &policy, {span(blobs[0]), span(blobs[1])}};
  }
  static Span span(const std::vector<uint8_t>& v) {
    return Span{v.data(), static_cast<uint32_t>(v.size())};
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

// A device's flash and its memory.
struct SimFlash {
  std::vector<uint8_t> memory = std::vector<uint8_t>(kFlashSize, 0xFF);
  Flash flash{memory.data(), kFlashSize, kSector, kWriteSize};
};

kiln_update_status boot(SimFlash& sim, kiln_updater* updater, kiln_boot_choice* choice) {
  return power_loss::boot(sim.flash, fleet().device, updater, choice);
}
int booted_model(SimFlash& sim, const kiln_boot_choice& choice) {
  return power_loss::booted_model(sim.flash, fleet().device, choice);
}

// A device with model `old_model` confirmed after `cycles` updates (the
// journal filling up), and the counter of the next update.
struct Start {
  std::vector<uint8_t> flash;
  int old_model;
  uint32_t next_counter;
};

Start provision(uint32_t cycles) {
  SimFlash sim;
  kiln_updater updater;
  EXPECT_EQ(kiln_updater_format(&updater, sim.flash.flash(), &kLayout), KILN_UPDATE_OK);
  int model = 0;
  for (uint32_t i = 0; i <= cycles; ++i) {
    model = static_cast<int>(i % 2);
    power_loss::Progress progress;
    const std::vector<uint8_t> c = fleet().container(model, i + 1);
    power_loss::update(sim.flash, fleet().device, Fleet::span(c), model, &progress);
    EXPECT_TRUE(progress.confirmed) << "cycle " << i;
  }
  return Start{sim.memory, model, cycles + 2};
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
  const Span next = Fleet::span(after);
  SimFlash sim;
  sim.memory = start.flash;
  kiln_updater updater;
  kiln_boot_choice choice;
  ASSERT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_OK);
  const uint32_t sector_before = updater.state.journal_sector;
  power_loss::Progress dry;
  power_loss::update(sim.flash, fleet().device, Fleet::span(container), new_model, &dry, &next);
  EXPECT_TRUE(dry.confirmed);
  ASSERT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_OK);
  Matrix& m = *out;
  m.compacted = updater.state.journal_sector != sector_before;
  m.cut_points = sim.flash.operations();
  for (uint64_t i = 0; i < m.cut_points; ++i) {
    for (Cut kind : {Cut::kBefore, Cut::kTorn}) {
      for (int recovery_cut = -1; recovery_cut < recovery_cuts; ++recovery_cut) {
        const power_loss::Outcome o = power_loss::cut_and_recover(
            sim.flash, start.flash.data(), fleet().device, Fleet::span(container), next,
            start.old_model, i, kind, recovery_cut);
        ASSERT_EQ(o.violation, nullptr)
            << o.violation << ": cut at operation " << i << (kind == Cut::kTorn ? " (torn)" : "")
            << ", recovery cut " << recovery_cut;
        ++(o.booted == new_model ? m.new_booted : m.old_booted);
        m.trials += o.trial;
        m.after_confirmation += o.confirmed;
        ++m.runs;
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
  SimFlash sim;
  sim.memory = start.flash;
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
  SimFlash sim;
  sim.memory = start.flash;
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
  SimFlash sim;
  kiln_updater updater;
  kiln_update_layout overlapping = kLayout;
  overlapping.slot_address[1] = kSector;
  EXPECT_EQ(kiln_updater_format(&updater, sim.flash.flash(), &overlapping), KILN_UPDATE_BAD_LAYOUT);
  kiln_update_layout misaligned = kLayout;
  misaligned.journal_address += 8;
  EXPECT_EQ(kiln_updater_format(&updater, sim.flash.flash(), &misaligned), KILN_UPDATE_BAD_LAYOUT);
  // A 32-byte sector would hold a checkpoint and nothing after it.
  std::vector<uint8_t> tiny_memory(1024, 0xFF);
  Flash tiny(tiny_memory.data(), 1024, 32, 8);
  const kiln_update_layout tiny_layout = {{0, 256}, 256, 512};
  EXPECT_EQ(kiln_updater_format(&updater, tiny.flash(), &tiny_layout), KILN_UPDATE_BAD_LAYOUT);
  // An unformatted journal has no model.
  kiln_boot_choice choice;
  EXPECT_EQ(boot(sim, &updater, &choice), KILN_UPDATE_NO_MODEL);
}

}  // namespace
}  // namespace kiln
