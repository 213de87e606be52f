// Gridwork's own script: small progressive enhancements that keep every
// page usable without it. Loaded as a file (the Content-Security-Policy
// allows no inline script).
"use strict";
