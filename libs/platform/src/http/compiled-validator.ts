import { TransformationType, Type, type TypeMetadata } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { type ValidationArguments, ValidationTypes, type ValidatorConstraintInterface, getMetadataStorage } from 'class-validator';
import { RESERVED_KEYS } from './json-guard';

/**
 * The fast path of DTO validation. `plainToInstance` + class-validator's `validate` cost about 60 µs for a
 * candidate (class-validator alone looks up and groups the class's rules on every call, resolves each
 * constraint from its container by a linear search, and builds an error object for every field, failed or
 * not). Most records are valid; for those this makes the same instance and runs the same constraint functions,
 * read once per class from the same metadata, without the rest.
 *
 * It only ever says "valid, and here is the instance" or "not sure". Whatever it does not follow exactly (a
 * decorator type it does not know, @Transform, @Expose, a list in a list, a value JSON cannot hold, a rule
 * that fails or answers anything but `true`) is "not sure", and the caller goes the old way, which builds
 * every error answer: those are today's code's, byte for byte.
 *
 * What it reproduces, and how (class-transformer 0.5, class-validator 0.15, with the options of this API:
 * `enableImplicitConversion: false`; `whitelist`, `forbidNonWhitelisted`, `forbidUnknownValues`, no groups):
 * - plainToInstance: `new Dto()`, then each key of the plain object in its order, assigned a copy: a primitive
 *   as it is, a list as a new array of copied items, an object as a new instance of its @Type class, built
 *   the same way. (It skips nothing and converts nothing, since @Type(() => String) and the like, Maps,
 *   discriminators, exposures and transforms have no fast path.)
 * - validate: unknown own keys refused (whitelist); per field, in class-validator's order, the conditions
 *   (@IsOptional, @ValidateIf: all are called, and a falsy one skips the field), then @IsDefined, then every
 *   other constraint (`each`: every item of a list), then @ValidateNested: undefined passes, a list has each
 *   item checked the same way, an object is validated by the rules of its own class (none: refused, as
 *   forbidUnknownValues says), anything else is refused.
 *
 * Rules and constraint instances are read once per class, when it is first validated: decorators have all run
 * by then, and class-validator's default container gives the same constraint instance every time (this API
 * sets no other with useContainer). The input must be plain data, as JSON.parse makes it (the request bodies,
 * the bulk import lines): objects whose prototype is Object.prototype with data properties, arrays, strings,
 * numbers, booleans and null; where the prototype is another, the answer is "not sure".
 */

/** A DTO class, as the pipe and validateRecord get it. */
type DtoClass = new () => object;

type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

/** @IsOptional, @ValidateIf: whether the field's rules apply to this value. */
type Condition = (object: object, value: unknown) => unknown;

/** One constraint of a field (IsString, Min, a ValidateBy...), with what class-validator calls it with. */
interface Rule {
  property: string;
  constraints: unknown[];
  /** Declared a boolean, left undefined by most decorators: read for its truth, as class-validator reads it. */
  each: unknown;
  validateIf: Condition | undefined;
  validators: ValidatorConstraintInterface[];
}

interface CompiledProperty {
  name: string;
  conditions: Condition[];
  /** @IsDefined: checked before the other rules, and whatever skipMissingProperties says (not set here). */
  definedRules: Rule[];
  rules: Rule[];
  /** @ValidateNested */
  nested: boolean;
  /** @Type: the class plainToInstance makes of an object in this field (or of the objects of a list in it). */
  type: TypeMetadata | undefined;
  /**
   * plainToInstance makes a list in a field with @Type as `new reflectedType()` (the design type TypeScript
   * emits), kept only if it can `push`: a plain array for `Array`, `Object` (a union) or none; for a class
   * it would take building one to know, so such a list is "not sure".
   */
  listsArePlainArrays: boolean;
}

interface CompiledDto {
  dto: DtoClass;
  /** `targetName` of class-validator's ValidationArguments: `object.constructor.name`. */
  name: string;
  /** Every field with a rule, in the order class-validator walks them (`Object.keys` of its grouping). */
  properties: Map<string, CompiledProperty>;
}

/** What copyOf answers when it cannot say what plainToInstance would make. */
const NOT_SURE = Symbol('not sure');

/** Types plainToInstance converts a value to (`String(value)`, `new Date(value)`...) rather than copying it. */
const CONVERTING_TYPES: unknown[] = [String, Number, Boolean, Date, Buffer];

/**
 * class-transformer keeps its metadata in a module the package does not export; this reads the same file as
 * class-transformer's own index does (and as @nestjs/mapped-types does). Were it ever another copy (two
 * installs of the package), it would not know this probe's @Type, and there is no fast path at all.
 */
class StorageProbe {
  @Type(() => StorageProbe)
  probe?: StorageProbe;
}
// findTypeMetadata is declared to return a TypeMetadata; it returns undefined for a property without @Type.
const TRANSFORMER_STORAGE_IS_SHARED = (defaultMetadataStorage.findTypeMetadata(StorageProbe, 'probe') as TypeMetadata | undefined) !== undefined;

const compiledClasses = new Map<DtoClass, CompiledDto | null>();

/** The class's rules, read once; undefined when it has no fast path. */
function compiledOf(dto: DtoClass): CompiledDto | undefined {
  let compiled = compiledClasses.get(dto);
  if (compiled === undefined) {
    try {
      compiled = compile(dto) ?? null;
    } catch {
      compiled = null;
    }
    compiledClasses.set(dto, compiled);
  }
  return compiled ?? undefined;
}

/**
 * Reads the rules when the class is first validated, by which time every decorator has run (they run as the
 * classes are defined, PartialType's copies included).
 */
function compile(dto: DtoClass): CompiledDto | undefined {
  if (!TRANSFORMER_STORAGE_IS_SHARED) return undefined;
  // class-validator finds the rules of `instance.constructor`, and takes a Set or a Map for a list.
  if ((dto.prototype as { constructor: unknown }).constructor !== dto) return undefined;
  if (dto.prototype instanceof Set || dto.prototype instanceof Map) return undefined;
  // plainToInstance keeps every key of the plain object unless the class exposes or excludes some.
  const transformer = defaultMetadataStorage;
  if (transformer.getStrategy(dto) !== 'none' || transformer.getExposedMetadatas(dto).length > 0 || transformer.getExcludedMetadatas(dto).length > 0) {
    return undefined;
  }
  const storage = getMetadataStorage();
  // The call class-validator's ValidationExecutor makes (no groups, `always` and `strictGroups` unset). The
  // schema name it passes matters only to rules registered for a schema by name, which this API has none of
  // (with one registered, class-validator itself throws on every class: `prototype instanceof "name"`).
  const metadatas = storage.getTargetValidationMetadatas(dto, '', false, false, undefined);
  // No rules at all: forbidUnknownValues refuses such an object.
  if (metadatas.length === 0) return undefined;
  const properties = new Map<string, CompiledProperty>();
  for (const [name, group] of Object.entries(storage.groupByPropertyName(metadatas))) {
    // plainToInstance skips `__proto__` and `constructor`, and a key the class answers with a method or an accessor.
    if (RESERVED_KEYS.has(name) || Object.getOwnPropertyDescriptor(dto.prototype, name) !== undefined) return undefined;
    const property = compileProperty(dto, name, group);
    if (property === undefined) return undefined;
    properties.set(name, property);
  }
  return { dto, name: dto.name, properties };
}

function compileProperty(dto: DtoClass, name: string, metadatas: ValidationMetadata[]): CompiledProperty | undefined {
  if (defaultMetadataStorage.findTransformMetadatas(dto, name, TransformationType.PLAIN_TO_CLASS).length > 0) return undefined;
  const type = defaultMetadataStorage.findTypeMetadata(dto, name) as TypeMetadata | undefined;
  // A discriminator picks the class by a field's value (and deletes that field); a Map is built as one.
  const options = type?.options as { discriminator?: unknown } | undefined;
  if (type !== undefined && (Boolean(options?.discriminator) || type.reflectedType === Map)) return undefined;
  const property: CompiledProperty = {
    name,
    conditions: [],
    definedRules: [],
    rules: [],
    nested: false,
    type,
    listsArePlainArrays: type === undefined || [undefined, Array, Object].includes(type.reflectedType as never),
  };
  for (const metadata of metadatas) {
    switch (metadata.type) {
      case ValidationTypes.CONDITIONAL_VALIDATION:
        property.conditions.push(metadata.constraints[0] as Condition);
        break;
      case ValidationTypes.IS_DEFINED:
      case ValidationTypes.CUSTOM_VALIDATION: {
        const rule = compileRule(name, metadata);
        if (rule === undefined) return undefined;
        (metadata.type === ValidationTypes.IS_DEFINED ? property.definedRules : property.rules).push(rule);
        break;
      }
      case ValidationTypes.NESTED_VALIDATION:
        // Two would walk the value twice, to the same verdict; not worth an argument.
        if (property.nested) return undefined;
        property.nested = true;
        break;
      case ValidationTypes.WHITELIST:
        // @Allow(): the field is allowed and has no rule.
        break;
      default:
        // PROMISE_VALIDATION (@ValidatePromise), and any type a later class-validator adds.
        return undefined;
    }
  }
  return property;
}

function compileRule(property: string, metadata: ValidationMetadata): Rule | undefined {
  const validators: ValidatorConstraintInterface[] = [];
  for (const constraint of getMetadataStorage().getTargetValidatorConstraints(metadata.constraintCls)) {
    // An async constraint answers with a promise; that verdict is left to class-validator.
    if (constraint.async) return undefined;
    validators.push(constraint.instance);
  }
  return {
    property,
    constraints: metadata.constraints,
    each: metadata.each,
    validateIf: metadata.validateIf,
    validators,
  };
}

/**
 * The instance `plainToInstance(dto, plain, { enableImplicitConversion: false })` makes, when class-validator
 * (whitelist, forbidNonWhitelisted, forbidUnknownValues) would find nothing wrong with it; undefined when it
 * would, or when this cannot tell. `plain` is an object (not a list) of plain data, as JSON.parse makes it.
 */
export function validInstance<T extends object>(dto: new () => T, plain: object): T | undefined {
  const compiled = compiledOf(dto);
  if (compiled === undefined) return undefined;
  try {
    const instance = instanceOf(compiled, plain);
    return instance !== undefined && holds(compiled, instance) ? (instance as T) : undefined;
  } catch {
    // A type function or a rule that throws: the old way says what it says.
    return undefined;
  }
}

// -----------------------------------------------------------------------------------------------------------
// plainToInstance, for plain data.

function instanceOf(compiled: CompiledDto, plain: object): Record<string, unknown> | undefined {
  if (Object.getPrototypeOf(plain) !== Object.prototype) return undefined;
  const instance = new compiled.dto() as Record<string, unknown>;
  const source = plain as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const property = compiled.properties.get(key);
    // A key without rules is refused by the whitelist; a method of the new object is skipped by plainToInstance.
    if (property === undefined || instance[key] instanceof Function) return undefined;
    const type = property.type === undefined ? undefined : typeOf(property.type, instance, source, key);
    const copy = copyOf(source[key], type, property.listsArePlainArrays);
    if (copy === NOT_SURE) return undefined;
    instance[key] = copy;
  }
  return instance;
}

/** What @Type names, called as plainToInstance calls it (for every value of the field). */
function typeOf(metadata: TypeMetadata, newObject: object, object: object, property: string): unknown {
  // `typeFunction` is always set by @Type; a copied metadata might lack it, and plainToInstance reads this then.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  return metadata.typeFunction ? metadata.typeFunction({ newObject, object, property }) : metadata.reflectedType;
}

/** A value of a field (`listsAllowed`) or an item of a list (not: a list in a list is not sure). */
function copyOf(value: unknown, type: unknown, listsAllowed: boolean): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return CONVERTING_TYPES.includes(type) ? NOT_SURE : value;
  }
  if (Array.isArray(value)) {
    if (!listsAllowed) return NOT_SURE;
    const list: unknown[] = [];
    for (const item of value as unknown[]) {
      const copy = copyOf(item, type, false);
      if (copy === NOT_SURE) return NOT_SURE;
      list.push(copy);
    }
    return list;
  }
  if (typeof value === 'object' && typeof type === 'function' && !CONVERTING_TYPES.includes(type)) {
    const nested = compiledOf(type as DtoClass);
    return (nested === undefined ? undefined : instanceOf(nested, value)) ?? NOT_SURE;
  }
  // An object without @Type (plainToInstance copies it as a plain object), undefined, a function...
  return NOT_SURE;
}

// -----------------------------------------------------------------------------------------------------------
// class-validator's verdict, for the instances made above.

function holds(compiled: CompiledDto, object: Record<string, unknown>): boolean {
  // whitelist + forbidNonWhitelisted: an own key without rules (a field the class declares without any).
  for (const key of Object.keys(object)) if (!compiled.properties.has(key)) return false;
  for (const property of compiled.properties.values()) {
    const value = object[property.name];
    // Every condition is called, as class-validator calls them all before it looks at the answers.
    let applies: unknown = true;
    for (const condition of property.conditions) {
      const answer = condition(object, value);
      applies = applies && answer;
    }
    if (!applies) continue;
    for (const rule of property.definedRules) if (!ruleHolds(rule, compiled.name, object, value)) return false;
    for (const rule of property.rules) if (!ruleHolds(rule, compiled.name, object, value)) return false;
    if (property.nested && !nestedHolds(value)) return false;
  }
  return true;
}

function ruleHolds(rule: Rule, targetName: string, object: object, value: unknown): boolean {
  if (rule.validateIf !== undefined && !rule.validateIf(object, value)) return true;
  for (const validator of rule.validators) {
    const args: ValidationArguments = { targetName, property: rule.property, object, value, constraints: rule.constraints };
    if (rule.each && Array.isArray(value)) {
      for (const item of value) if (validator.validate(item, args) !== true) return false;
    } else if (validator.validate(value, args) !== true) {
      return false;
    }
  }
  return true;
}

/** @ValidateNested: absent passes; a list, item by item; an object, by the rules of its own class. */
function nestedHolds(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.every(nestedHolds);
  if (value instanceof Object) {
    const nested = compiledOf((value as { constructor: DtoClass }).constructor);
    return nested !== undefined && holds(nested, value as Record<string, unknown>);
  }
  return false;
}
