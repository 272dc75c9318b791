// luodi: the umbrella header. Include this, or the individual headers you need.
#pragma once

#include "config.hpp"
#include "version.hpp"

#include "core/dtype.hpp"
#include "core/memory.hpp"
#include "core/parallel.hpp"
#include "core/shape.hpp"
#include "core/span.hpp"
#include "core/status.hpp"
#include "core/tensor.hpp"
#include "core/thread_pool.hpp"

#include "simd/arch.hpp"
#include "simd/cpu.hpp"
#include "simd/dispatch.hpp"
#include "simd/vmath.hpp"

#include "kernels/activation/activation.hpp"

#include "graph/attributes.hpp"
#include "graph/ir.hpp"
#include "graph/op.hpp"
