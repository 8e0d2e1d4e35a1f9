import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';

/** Environment variables are text: "42" becomes 42, anything else stays as it is for the validator to name. */
export const toWholeNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

/** A whole-number setting between `min` and `max`, with one message for every way of breaking it. */
export function WholeNumberSetting(min: number, max: number, message?: string): PropertyDecorator {
  const rule = { message: message ?? `must be a whole number from ${min} to ${max}` };
  return applyDecorators(Transform(toWholeNumber), IsInt(rule), Min(min, rule), Max(max, rule));
}

/** A TCP port (0 lets the system choose one). */
export function PortSetting(): PropertyDecorator {
  return WholeNumberSetting(0, 65535, 'must be a port number (0-65535)');
}

/** "true" or "false" (as environment variables say it); anything else is named by the validator. */
export function SwitchSetting(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      value === 'true' ? true : value === 'false' ? false : value,
    ),
    IsBoolean({ message: 'must be true or false' }),
  );
}
