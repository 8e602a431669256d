import { ApiTags } from '@nestjs/swagger';

const described = new Map<string, string>();

/**
 * `@ApiTags(name)` for a module's controller, with the tag's description: the document lists the
 * tag with the core ones, so a new module describes its routes without editing the core.
 */
export function ApiTag(name: string, description: string): ClassDecorator {
  described.set(name, description);
  return ApiTags(name);
}

/** Tags described by modules' controllers (loaded with the module graph). */
export function describedTags(): [string, string][] {
  return [...described];
}
