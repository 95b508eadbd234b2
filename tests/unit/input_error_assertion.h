// Shared assertion of the unit tests: an action throws xray::InputError
// whose one-line message names what is wrong.
#ifndef XRAY_TESTS_UNIT_INPUT_ERROR_ASSERTION_H
#define XRAY_TESTS_UNIT_INPUT_ERROR_ASSERTION_H

#include "common/errors.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace xray_test
{
  using xray::InputError;

  /// Success when @p action throws InputError with a one-line message
  /// containing every fragment; the message goes to @p message_out.
  inline ::testing::AssertionResult
  throws_input_error_containing(const std::function<void()>    &action,
                                const std::vector<std::string> &fragments,
                                std::string *message_out = nullptr)
  {
    try
      {
        action();
      }
    catch (const InputError &error)
      {
        const std::string message = error.what();
        if (message_out)
          *message_out = message;
        for (const auto &fragment : fragments)
          if (message.find(fragment) == std::string::npos)
            return ::testing::AssertionFailure()
                   << "InputError message \"" << message
                   << "\" does not contain \"" << fragment << "\"";
        if (message.find('\n') != std::string::npos)
          return ::testing::AssertionFailure()
                 << "InputError message is not one line: \"" << message << "\"";
        return ::testing::AssertionSuccess();
      }
    catch (const std::exception &other)
      {
        return ::testing::AssertionFailure()
               << "threw a non-InputError exception: " << other.what();
      }
    catch (...)
      {
        return ::testing::AssertionFailure() << "threw a non-std::exception";
      }
    return ::testing::AssertionFailure() << "no exception thrown";
  }
} // namespace xray_test

#endif
