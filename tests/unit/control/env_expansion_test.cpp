// $(VAR) expansion, case for case with the table of Kubernetes' own expansion tests
// (third_party/forked/golang/expansion), plus the recipe's own use in args.
#include <gtest/gtest.h>

#include <map>

#include "control/recipe.h"

namespace gatehouse::control {
namespace {

std::string expand(std::string_view text) {
  static const std::map<std::string, std::string, std::less<>> env = {
      {"VAR_A", "A"}, {"VAR_B", "B"}, {"VAR_C", "C"}, {"VAR_REF", "$(VAR_A)"}, {"VAR_EMPTY", ""}};
  return expand_env_references(text, [](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

TEST(EnvExpansion, KubernetesCases) {
  struct Case {
    const char* input;
    const char* expected;
  };
  const Case cases[] = {
      {"$(VAR_A)", "A"},                                   // whole string
      {"$(VAR_A)-$(VAR_A)", "A-A"},                        // repeat
      {"$(VAR_A)-1", "A-1"},                               // beginning
      {"___$(VAR_B)___", "___B___"},                       // middle
      {"___$(VAR_C)", "___C"},                             // end
      {"$(VAR_A)_$(VAR_B)_$(VAR_C)", "A_B_C"},             // compound
      {"$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"},                // escape and expand
      {"$$(VAR_A)_$$(VAR_B)", "$(VAR_A)_$(VAR_B)"},        // compound escape
      {"f000-$$VAR_A", "f000-$VAR_A"},                     // mixed in escapes
      {"foo\\$(VAR_C)bar", "foo\\Cbar"},                   // backslashes are no escape
      {"foo\\\\$(VAR_C)bar", "foo\\\\Cbar"},
      {"foo\\\\\\\\$(VAR_A)bar", "foo\\\\\\\\Abar"},
      {"$(VAR_A$(VAR_B))", "$(VAR_A$(VAR_B))"},            // nested references
      {"$(VAR_A$(VAR_B)", "$(VAR_A$(VAR_B)"},
      {"$(VAR_REF)", "$(VAR_A)"},                          // a value is not expanded again
      {"%%$(VAR_REF)--$(VAR_REF)%%", "%%$(VAR_A)--$(VAR_A)%%"},
      {"foo$(VAR_EMPTY)bar", "foobar"},                    // empty value
      {"foo$(VAR_Awhoops!", "foo$(VAR_Awhoops!"},          // unterminated
      {"f00__(VAR_A)__", "f00__(VAR_A)__"},                // no operator
      {"$?_boo_$!", "$?_boo_$!"},                          // shell's special variables
      {"$VAR_A", "$VAR_A"},                                // bare operator
      {"$(VAR_DNE)", "$(VAR_DNE)"},                        // undefined: kept
      {"$$$$$$(BIG_MONEY)", "$$$(BIG_MONEY)"},             // even operators, undefined
      {"$$$$$$(VAR_A)", "$$$(VAR_A)"},                     // even operators, defined
      {"$$$$$$$(GOOD_ODDS)", "$$$$(GOOD_ODDS)"},           // odd operators, undefined
      {"$$$$$$$(VAR_A)", "$$$A"},                          // odd operators, defined
      {"$VAR_A)", "$VAR_A)"},                              // no opening parenthesis
      {"${VAR_A}", "${VAR_A}"},                            // shell syntax
      {"$(VAR_B)_______$(A", "B_______$(A"},               // trailing incomplete expression
      {"$(VAR_C)_______$(", "C_______$("},
      {"$(VAR_A)foobarzab$", "Afoobarzab$"},               // operator at the end
      {"foo-\\$(VAR_A", "foo-\\$(VAR_A"},
      {"--$($($($($--", "--$($($($($--"},
      {"$($($($($--foo$(", "$($($($($--foo$("},
      {"foo0--$($($($(", "foo0--$($($($("},
      {"$(foo$$var)", "$(foo$$var)"},                      // escapes inside names stay
      {"\n", "\n"},
      {"", ""},
      {"$", "$"},
      {"$$", "$"},
      {"$()", "$()"},
  };
  for (const Case& c : cases) EXPECT_EQ(expand(c.input), c.expected) << "input: " << c.input;
}

TEST(EnvExpansion, ManyUnterminatedReferencesAreScannedOnce) {
  // Quadratic scanning would take minutes here; a linear one takes milliseconds.
  std::string text;
  for (int i = 0; i < 200'000; ++i) text += "$(";
  EXPECT_EQ(expand(text + "$$"), text + "$");
}

TEST(EnvExpansion, RecipeArgsFromTheAutoscalingExample) {
  // autoscaling_blueprint.json passes "$(Model_Path)" and "$(tensor_parallel_size)".
  const std::map<std::string, std::string, std::less<>> env = {{"Model_Path", "/models"}, {"tensor_parallel_size", "1"}};
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  EXPECT_EQ(expand_env_references("$(Model_Path)", lookup), "/models");
  EXPECT_EQ(expand_env_references("--tp=$(tensor_parallel_size)", lookup), "--tp=1");
  EXPECT_EQ(expand_env_references("$(HF_TOKEN)", lookup), "$(HF_TOKEN)");
}

}  // namespace
}  // namespace gatehouse::control
