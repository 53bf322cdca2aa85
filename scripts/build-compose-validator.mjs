// Part of the build (after tsc): the compose-spec validator compiled ahead of time, written as code next to
// dist/compose/validate.js, which loads it instead of compiling the schema on every check and deploy (issue 27).
// Same schema and options as a run-time compile (src/compose/compose-schema.ts).
import { writeFileSync } from 'node:fs';
import { URL } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { AJV_OPTIONS, composeSchema, PREBUILT_VALIDATOR } from '../dist/compose/compose-schema.js';

const ajv = new Ajv({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, source: true } });
const code = standaloneCode.default(ajv, ajv.compile(composeSchema()));
writeFileSync(new URL(`../dist/compose/${PREBUILT_VALIDATOR}`, import.meta.url), code);
