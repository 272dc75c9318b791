// luodi's image layer: views, pixel format conversion, resize, affine warp, lossless
// transforms, and the fused camera-frame-to-tensor pass. Numerics match OpenCV 4.6 (see each
// header); docs/image.md has the measured comparison.
#pragma once

#include "image/view.hpp"
#include "image/color.hpp"
#include "image/resize.hpp"
#include "image/warp.hpp"
#include "image/transform.hpp"
#include "image/preprocess.hpp"
