#pragma once

#define LUODI_VERSION_MAJOR 0
#define LUODI_VERSION_MINOR 1
#define LUODI_VERSION_PATCH 0
#define LUODI_VERSION_STRING "0.1.0"

// One integer that grows with every release: MMmmpp.
#define LUODI_VERSION (LUODI_VERSION_MAJOR * 10000 + LUODI_VERSION_MINOR * 100 + LUODI_VERSION_PATCH)
