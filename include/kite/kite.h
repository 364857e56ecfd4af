// Everything a program that runs models needs.
#pragma once
#include "kite/dtype.h"
#include "kite/error.h"
#include "kite/model.h"
#include "kite/session.h"
#include "kite/tensor.h"
