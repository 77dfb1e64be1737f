#pragma once

// A validator for string options whose empty value means nothing (`--netns ''`, `--source ''`,
// a path): a usage error (exit 2) with a one-line message, before any code tries to use it.

namespace CLI {
class Validator;
}

namespace kaltune {

CLI::Validator non_empty();

} // namespace kaltune
