#ifndef PROEF_CREADSTAT_SHIM_H
#define PROEF_CREADSTAT_SHIM_H
#include <readstat.h>
#endif
