/* The negative control: a library marked as protected whose function lacks the landing pad
 * (no `bti`), called through a pointer. Where the loader enforces the marking, the call traps. */
#define EXPORT __attribute__((visibility("default")))
__attribute__((target("branch-protection=none"))) static long long no_landing_pad(void) { return 4242; }
long long (*volatile through_pointer)(void) = no_landing_pad;
EXPORT long long protected_run(void) { return through_pointer(); }
