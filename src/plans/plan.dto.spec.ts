import { DECORATORS } from '@nestjs/swagger';
import { CHARGE_MODEL_NAMES, chargeModel } from '../pricing-core';
import { ChargeDto } from './plan.dto';

// The plan schema in the OpenAPI document is read from the pricing core's charge-model registry.

interface PropertyDoc {
  enum?: unknown[];
  description?: string;
  required?: boolean;
}

function property(name: string): PropertyDoc | undefined {
  return Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, ChargeDto.prototype, name) as
    PropertyDoc | undefined;
}

describe('ChargeDto', () => {
  it('lists every registered model in the model enum and its description', () => {
    expect(property('model')?.enum).toEqual(['per_unit', 'graduated', 'volume', 'package', 'flat']);
    for (const name of CHARGE_MODEL_NAMES) {
      expect(property('model')?.description).toContain(
        `\`${name}\`: ${chargeModel(name).description}`,
      );
    }
  });

  it("documents each model's fields as optional properties naming the models that use them", () => {
    const documented = (
      Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, ChargeDto.prototype) as string[]
    ).map((key) => key.replace(/^:/, ''));
    expect(documented).toEqual([
      'id',
      'endpoint',
      'aggregation',
      'model',
      'unitAmount',
      'tiers',
      'packageSize',
      'packageAmount',
      'rounding',
      'freeUnits',
      'amount',
    ]);
    for (const name of CHARGE_MODEL_NAMES) {
      for (const [field, doc] of Object.entries(chargeModel(name).fields)) {
        expect(property(field)?.required).toBe(false);
        const line = property(field)
          ?.description?.split('\n')
          .find((text) => text.endsWith(`: ${doc.description}`));
        expect(line?.split(' (')[0].split(', ')).toContain(name);
      }
    }
    expect(property('rounding')?.enum).toEqual(['up', 'down']);
  });
});
