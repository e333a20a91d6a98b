#include "x.h"
  #  include <gi/api.h> /* comment */
#include \
  "a/b/c.h"
#if 0
#include "../../etc/passwd"
#endif
// #include "not.h"
const char *s = "#include \"no.h\"";
#include "util.h"
