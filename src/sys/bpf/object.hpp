#pragma once

// The BPF object of sock_ops.bpf.c, compiled with clang -target bpf when kaltune is built and
// embedded in the binary (cmake/embed.cmake): no prebuilt object in the tree, no file to install.

#include <span>

namespace kaltune {

std::span<const unsigned char> sock_ops_object();

} // namespace kaltune
