// libsodium's one-time initialisation, done once per process before any use of its functions
// (random numbers, AEAD, password hashing). Thread-safe.
#pragma once

namespace gatehouse::control {

// Throws Error(internal) when libsodium cannot initialise (no usable random source).
void init_sodium();

}  // namespace gatehouse::control
