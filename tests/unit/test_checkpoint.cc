// Unit tests of how a transient run of anode-thermal puts a new checkpoint
// in place of the previous one (solvers/anode_thermal/
// checkpoint.templates.h): the previous one stays readable until the new
// one is in place, also when writing the new one fails.
#include "anode_thermal/checkpoint.templates.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace
{
  namespace fs = std::filesystem;
  using namespace xray::anode_thermal;

  /// An output directory of its own for each test, removed at the end.
  struct OutputDirectory
  {
    OutputDirectory()
    {
      static int counter = 0;
      path               = fs::temp_directory_path() /
             ("xray_unit_checkpoint_" + std::to_string(::getpid()) + "_" +
              std::to_string(counter++));
      fs::remove_all(path);
      fs::create_directories(path);
    }
    ~OutputDirectory()
    {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
    fs::path path;
  };

  /// A checkpoint directory as a run leaves it: its state and a mesh file.
  void
  write_checkpoint(const fs::path &directory, const nlohmann::json &state)
  {
    fs::create_directories(directory);
    std::ofstream(directory / checkpoint::state_name) << state.dump(1) << "\n";
    std::ofstream(directory / checkpoint::mesh_name) << "mesh\n";
  }

  /// The step of the state a checkpoint directory holds, or -1 if it has
  /// no readable state.
  int
  step_of(const fs::path &directory)
  {
    std::ifstream file(directory / checkpoint::state_name);
    if (!file)
      return -1;
    try
      {
        return nlohmann::json::parse(file).at("step").get<int>();
      }
    catch (const nlohmann::json::exception &)
      {
        return -1;
      }
  }

  const nlohmann::json earlier_state = {{"step", 40}};
  const nlohmann::json later_state   = {{"step", 80}};


  TEST(Checkpoint, ANewOneReplacesThePreviousOne)
  {
    const OutputDirectory output;
    const fs::path        final_directory = output.path / "checkpoint";
    const fs::path        partial         = output.path / "checkpoint.partial";
    write_checkpoint(final_directory, earlier_state);
    fs::create_directories(partial);
    std::ofstream(partial / checkpoint::mesh_name) << "mesh\n";

    EXPECT_EQ(checkpoint::publish(later_state, partial, final_directory), "");
    EXPECT_EQ(step_of(final_directory), 80);
    EXPECT_TRUE(fs::exists(final_directory / checkpoint::mesh_name));
    EXPECT_FALSE(fs::exists(partial));
    EXPECT_FALSE(fs::exists(output.path / "checkpoint.old"));
  }

  TEST(Checkpoint, ThePreviousOneStaysWhenTheNewOneCannotBeMovedIntoPlace)
  {
    // The new checkpoint is gone by the time it is to be renamed into place
    // (the rename fails after the previous one was moved aside).
    const OutputDirectory output;
    const fs::path        final_directory = output.path / "checkpoint";
    const fs::path        partial         = output.path / "checkpoint.partial";
    write_checkpoint(final_directory, earlier_state);

    const std::string problem =
      checkpoint::move_into_place(partial, final_directory);
    EXPECT_NE(problem.find("cannot write the checkpoint " +
                           final_directory.string()),
              std::string::npos)
      << problem;
    EXPECT_NE(problem.find(partial.string()), std::string::npos) << problem;
    EXPECT_NE(problem.find("the previous one is kept"), std::string::npos)
      << problem;
    EXPECT_EQ(problem.find('\n'), std::string::npos) << problem;
    EXPECT_EQ(step_of(final_directory), 40);
    EXPECT_TRUE(fs::exists(final_directory / checkpoint::mesh_name));
    EXPECT_FALSE(fs::exists(output.path / "checkpoint.old"));
  }

  TEST(Checkpoint, ThePreviousOneStaysWhenTheNewStateCannotBeWritten)
  {
    // The new state's name is taken by a non-empty directory: its file is
    // written, but cannot be renamed into place.
    const OutputDirectory output;
    const fs::path        final_directory = output.path / "checkpoint";
    const fs::path        partial         = output.path / "checkpoint.partial";
    write_checkpoint(final_directory, earlier_state);
    fs::create_directories(partial / checkpoint::state_name / "x");

    const std::string problem =
      checkpoint::publish(later_state, partial, final_directory);
    EXPECT_NE(problem.find((partial / checkpoint::state_name).string()),
              std::string::npos)
      << problem;
    EXPECT_EQ(problem.find('\n'), std::string::npos) << problem;
    EXPECT_EQ(step_of(final_directory), 40);
    EXPECT_TRUE(fs::exists(final_directory / checkpoint::mesh_name));
  }

  TEST(Checkpoint, AnOldOneWithNoneInPlaceStaysUntilTheNewOneIsInPlace)
  {
    // A run stopped between moving the previous checkpoint aside and
    // renaming the new one into place leaves only checkpoint.old.
    const OutputDirectory output;
    const fs::path        final_directory = output.path / "checkpoint";
    const fs::path        old             = output.path / "checkpoint.old";
    const fs::path        partial         = output.path / "checkpoint.partial";
    write_checkpoint(old, earlier_state);

    EXPECT_NE(checkpoint::move_into_place(partial, final_directory), "");
    EXPECT_EQ(step_of(old), 40);

    write_checkpoint(partial, later_state);
    EXPECT_EQ(checkpoint::move_into_place(partial, final_directory), "");
    EXPECT_EQ(step_of(final_directory), 80);
    EXPECT_FALSE(fs::exists(old));
  }
} // namespace
