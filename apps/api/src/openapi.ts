import { writeFileSync } from 'node:fs';

import { renderOpenApiYaml } from './openapi/openapi.yaml';

/** `npm run openapi`: writes docs/openapi.yaml from the code. */
renderOpenApiYaml()
  .then((yaml) => {
    const target = process.argv[2] ?? 'docs/openapi.yaml';
    writeFileSync(target, yaml);
    console.log(`wrote ${target}`);
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
