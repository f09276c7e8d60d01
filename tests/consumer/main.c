/* Links against an installed kcell and checks the header matches the library. */
#include <kcell/kcell.h>
#include <stdio.h>

int main(void) {
  if (kcell_version_number() != KCELL_VERSION_NUMBER) {
    fprintf(stderr, "header %d, library %d\n", KCELL_VERSION_NUMBER, kcell_version_number());
    return 1;
  }
  printf("kcell %s\n", kcell_version());
  return 0;
}
