// parameter_fuzzer: findings. An input that ends in anything but an input
// error (another exception, a signal, a time-out) is saved to the findings
// directory with its solver and command line, and one line says how to
// reproduce it.
#include "fuzzer.h"

#include <deal.II/base/exceptions.h>

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <sstream>

namespace parameter_fuzzer
{
  std::string program = "parameter_fuzzer";

  namespace
  {
    /// Prepared before every iteration: a signal handler may only call
    /// async-signal-safe functions (open, write, close, _exit, raise), so
    /// it finds every byte it writes ready here.
    struct PendingFinding
    {
      std::string prm_path, args_path;   // where the finding goes
      std::string prm_bytes, args_bytes; // what it holds
      std::string where;                 // "; input ...; reproduce: ...\n"
    };
    PendingFinding             pending;
    volatile std::sig_atomic_t iteration_running = 0;

    void
    write_all(const int fd, const char *data, std::size_t size)
    {
      while (size > 0)
        {
          const ssize_t written = ::write(fd, data, size);
          if (written <= 0)
            return;
          data += written;
          size -= static_cast<std::size_t>(written);
        }
    }

    void
    write_all(const int fd, const char *text)
    {
      write_all(fd, text, std::strlen(text));
    }

    void
    save_file(const std::string &path, const std::string &bytes)
    {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0)
        return;
      write_all(fd, bytes.data(), bytes.size());
      ::close(fd);
    }

    void
    save_pending_finding()
    {
      save_file(pending.prm_path, pending.prm_bytes);
      save_file(pending.args_path, pending.args_bytes);
    }

    const char *
    signal_name(const int signal)
    {
      switch (signal)
        {
          case SIGSEGV:
            return "signal SIGSEGV";
          case SIGABRT:
            return "signal SIGABRT";
          case SIGFPE:
            return "signal SIGFPE";
          case SIGBUS:
            return "signal SIGBUS";
          case SIGILL:
            return "signal SIGILL";
          case SIGALRM:
            return "time-out: the iteration did not end within the time limit";
          default:
            return "signal";
        }
    }

    /// A crash or a time-out: save the input, say so in one line, then
    /// die of the signal (a time-out exits with status 1).
    extern "C" void
    on_fatal_signal(const int signal)
    {
      if (iteration_running)
        {
          save_pending_finding();
          write_all(STDERR_FILENO, "parameter_fuzzer: finding: ");
          write_all(STDERR_FILENO, signal_name(signal));
          write_all(STDERR_FILENO, pending.where.data(), pending.where.size());
        }
      if (signal == SIGALRM)
        ::_exit(1);
      std::signal(signal, SIG_DFL);
      std::raise(signal);
    }
  } // namespace


  void
  install_signal_handlers()
  {
    // A stack overflow (unbounded recursion) must still reach the handler:
    // give it a stack of its own.
    static std::vector<char> alternate_stack(1 << 16);
    stack_t                  stack{};
    stack.ss_sp   = alternate_stack.data();
    stack.ss_size = alternate_stack.size();
    sigaltstack(&stack, nullptr);

    struct sigaction action
    {};
    action.sa_handler = on_fatal_signal;
    action.sa_flags   = SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (const int signal : {SIGSEGV, SIGABRT, SIGFPE, SIGBUS, SIGILL, SIGALRM})
      sigaction(signal, &action, nullptr);
  }


  bool
  run_guarded(const Case                           &c,
              const std::string                    &input,
              const std::string                    &finding_name,
              const Options                        &options,
              const std::vector<SolverDescription> &solvers,
              Outcome                              &outcome)
  {
    // (The extension too: ParameterHandler reads FILE.json as JSON.)
    const std::string prm_path = options.findings + "/" + finding_name +
                                 fs::path(input).extension().string();
    pending.prm_path  = prm_path;
    pending.args_path = prm_path + ".args";
    pending.prm_bytes = c.text;
    // An `include` of the input itself names the saved copy instead.
    replace_all(pending.prm_bytes, input, prm_path);
    pending.args_bytes = args_file_text(c, solvers);
    pending.where = " (" + solvers[c.solver].name + "); input " + prm_path +
                    "; reproduce: " + program + " --replay " + prm_path + "\n";

    std::string failure;
    iteration_running = 1;
    ::alarm(options.timeout);
    try
      {
        outcome = check_case(c, solvers[c.solver], input);
      }
    catch (const ExceptionBase &exception)
      {
        std::ostringstream what;
        exception.print_info(what);
        failure =
          "deal.II exception (not an input error): " + one_line(what.str());
      }
    catch (const std::exception &exception)
      {
        failure =
          "exception (not an input error): " + one_line(exception.what());
      }
    catch (...)
      {
        failure = "exception of unknown type";
      }
    ::alarm(0);
    iteration_running = 0;
    if (failure.empty())
      return true;
    save_pending_finding();
    std::cerr << "parameter_fuzzer: finding: " << failure << pending.where
              << std::flush;
    return false;
  }
} // namespace parameter_fuzzer
