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
#include "kernels/eltwise/eltwise.hpp"
#include "kernels/movement/movement.hpp"
#include "kernels/pool/pool.hpp"
#include "kernels/softmax/softmax.hpp"
#include "kernels/norm/norm.hpp"
#include "kernels/reduce/reduce.hpp"
#include "kernels/resize/resize.hpp"

#include "graph/attributes.hpp"
#include "graph/ir.hpp"
#include "graph/op.hpp"
#include "kernels/conv2d/conv2d.hpp"
#include "kernels/conv_transpose/conv_transpose.hpp"
#include "kernels/gemm/gemm.hpp"

#include "image.hpp"
