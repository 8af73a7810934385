#!/usr/bin/env node
import "../dist/cli/cohort-keys.js";
