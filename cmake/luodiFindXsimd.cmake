# Find xsimd for luodi, and repair a packaging quirk: Debian 12's xsimd 8.1 target lists "xtl"
# in its INTERFACE_LINK_LIBRARIES although xtl is optional and Debian ships no libxtl-dev. Left
# alone, every program linking xsimd fails with "cannot find -lxtl". When no xtl target exists
# we provide an empty one; xsimd only needs xtl for xtl::xcomplex support, which luodi does not use.
macro(luodi_find_xsimd)
  if(NOT TARGET xsimd)
    find_package(xsimd QUIET)
  endif()
  if(TARGET xsimd)
    get_target_property(_luodi_xsimd_links xsimd INTERFACE_LINK_LIBRARIES)
    if(_luodi_xsimd_links MATCHES "(^|;)xtl(;|$)" AND NOT TARGET xtl)
      find_package(xtl QUIET)
      if(NOT TARGET xtl)
        add_library(xtl INTERFACE IMPORTED GLOBAL)
      endif()
    endif()
  endif()
endmacro()
