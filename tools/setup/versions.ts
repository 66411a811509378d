// Pinned versions of the external tools the suite builds or requires. Change them here only.

/** The k6 release the suite is written and tested against (`go.k6.io/k6/v2`). */
export const K6_VERSION = "2.2.0";

/** Go module path of k6 v2; the build pins `K6_VERSION` of it. */
export const K6_MODULE = "go.k6.io/k6/v2";

/** A user's own k6 is accepted when it is this major version and at least `K6_MIN_MINOR`. */
export const K6_MAJOR = 2;
export const K6_MIN_MINOR = 2;

/** The actionlint release the CI workflow tests lint with (`go install`, tools/setup/actionlint.ts). */
export const ACTIONLINT_VERSION = "1.7.12";
export const ACTIONLINT_MODULE = "github.com/rhysd/actionlint/cmd/actionlint";
