// parameter_fuzzer: the command line drawn for an input: --set overrides
// of declared and mangled entries, --check, --sweep axes, now and then an
// odd option or a malformed argument, and the input file among them.
#include "fuzzer.h"

namespace parameter_fuzzer
{
  std::vector<std::string>
  draw_arguments(Random            &random,
                 Mutator           &mutator,
                 const Ingredients &ingredients,
                 const unsigned int solver)
  {
    const auto &entries    = ingredients.entries[solver];
    auto        entry_name = [&]() {
      std::string name = random.pick(entries).first;
      switch (random.below(12))
        {
          case 0: // a typo
            if (!name.empty())
              name[random.below(name.size())] =
                static_cast<char>('a' + random.below(26));
            break;
          case 1: // without its section
            name = name.substr(name.rfind('/') + 1);
            break;
          case 2:
            name = "/" + name;
            break;
          case 3:
            name += "/";
            break;
          case 4:
            replace_all(name, "/", " / ");
            break;
          case 5:
            replace_all(name, "/", "//");
            break;
          default: // as declared
            break;
        }
      return name;
    };
    auto assignment = [&]() {
      switch (random.below(10))
        {
          case 0:
            return mutator.value(); // no '=', or anything
          case 1:
            return "=" + mutator.value();
          default:
            return entry_name() + "=" + mutator.value();
        }
    };

    std::vector<std::string> arguments;
    const unsigned int       n_sets =
      random.chance(0.5) ? 0 : 1 + random.below(random.chance(0.7) ? 1 : 4);
    for (unsigned int k = 0; k < n_sets; ++k)
      if (random.chance(0.8))
        {
          arguments.push_back("--set");
          arguments.push_back(assignment());
        }
      else
        arguments.push_back("--set=" + assignment());
    if (random.chance(0.5))
      arguments.push_back("--check");
    if (random.chance(0.1))
      {
        const unsigned int n_axes =
          random.chance(0.8) ? 1 : 2 + random.below(2);
        for (unsigned int a = 0; a < n_axes; ++a)
          {
            std::string        values;
            const unsigned int n_values = 1 + random.below(4);
            for (unsigned int v = 0; v < n_values; ++v)
              values += (v ? "; " : "") + mutator.value();
            arguments.push_back("--sweep");
            arguments.push_back(
              (random.chance(0.9) ? entry_name() : mutator.value()) + "=" +
              values);
          }
      }
    if (random.chance(0.05))
      {
        static const std::vector<std::string> odd = {"--help",
                                                     "-h",
                                                     "--version",
                                                     "--print-parameters",
                                                     "--bogus",
                                                     "-x",
                                                     "-",
                                                     "--",
                                                     "",
                                                     "--set",
                                                     "--sweep",
                                                     "--check=1",
                                                     "--set=",
                                                     "second.prm",
                                                     "\xff"};
        arguments.insert(arguments.begin() + random.below(arguments.size() + 1),
                         random.pick(odd));
      }
    // The parameter file: mostly the input, at any place among the options.
    const std::string file = random.chance(0.97) ?
                               input_placeholder :
                               random.pick(ingredients.file_names);
    if (random.chance(0.99))
      {
        // Not between an option and its value, where it would be the value.
        std::vector<std::size_t> places;
        for (std::size_t k = 0; k <= arguments.size(); ++k)
          if (k == 0 ||
              (arguments[k - 1] != "--set" && arguments[k - 1] != "--sweep"))
            places.push_back(k);
        arguments.insert(arguments.begin() + random.pick(places), file);
      }
    // A dangling --set or --sweep swallows the file name: keep it last
    // mostly, so that the input is read.
    if (!arguments.empty() && random.chance(0.7) &&
        (arguments.back() == "--set" || arguments.back() == "--sweep"))
      arguments.pop_back();
    return arguments;
  }
} // namespace parameter_fuzzer
