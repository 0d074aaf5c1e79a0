#pragma once
#include <features.h>
#include <liburing.h>
