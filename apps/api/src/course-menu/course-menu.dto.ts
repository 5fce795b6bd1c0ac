import { DEFAULT_COURSE_SESSION_MINUTES, DEFAULT_COURSE_THRESHOLD } from '@huigong/domain';
import { MaxCodePoints, OptionalNotNull } from '@huigong/platform';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { NOT_BLANK, Rules, WindowDto, WindowsProperty, textRules, windowListRules } from '../common/dto';

@ApiSchema({ name: 'CourseTopic', description: "A topic on a station's course menu, which workers order." })
export class CourseTopicDto {
  @ApiProperty({ type: 'string', format: 'uuid', description: 'The station (a service point of the caller; any, for the admin).' })
  @IsUUID('all', { message: 'must be a UUID' })
  servicePointId: string;

  @ApiProperty({ type: 'string', minLength: 1, maxLength: 200, ...NOT_BLANK, example: 'Electrician skills' })
  @IsString({ message: 'must be text' })
  @Rules(textRules({ min: 1, max: 200, tooLong: 'must be at most 200 characters' }))
  title: string;

  @ApiPropertyOptional({ type: 'string', maxLength: 2000, example: 'Wiring and safety, with a certificate at the end.' })
  @OptionalNotNull()
  @IsString({ message: 'must be text' })
  @MaxCodePoints(2000, { message: 'must be at most 2000 characters' })
  description?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 15,
    maximum: 480,
    default: DEFAULT_COURSE_SESSION_MINUTES,
    description: 'How long a session is: the windows suggested to the station are this long.',
  })
  @OptionalNotNull()
  @IsInt({ message: 'must be a whole number of minutes from 15 to 480' })
  @Min(15, { message: 'must be a whole number of minutes from 15 to 480' })
  @Max(480, { message: 'must be a whole number of minutes from 15 to 480' })
  sessionMinutes?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    default: DEFAULT_COURSE_THRESHOLD,
    description: 'The open orders that make a course worth scheduling: reaching it, the station is told (`course_demand`).',
  })
  @OptionalNotNull()
  @IsInt({ message: 'must be a whole number from 1 to 1000' })
  @Min(1, { message: 'must be a whole number from 1 to 1000' })
  @Max(1000, { message: 'must be a whole number from 1 to 1000' })
  threshold?: number;
}

@ApiSchema({ name: 'CourseOrder', description: 'A worker orders a topic, through their caseworker, with the times they are free for it.' })
export class CourseOrderDto {
  @ApiProperty({ type: 'string', format: 'uuid', description: "One of the caller's people." })
  @IsUUID('all', { message: 'must be a UUID' })
  candidateId: string;

  @WindowsProperty({ required: true, min: 1, max: 50, description: 'When the person could attend, every week.' })
  @Rules(windowListRules({ min: 1, max: 50 }))
  freeWindows: WindowDto[];
}

export class CourseTopicQueryDto {
  @ApiPropertyOptional({ type: 'string', format: 'uuid', description: "Only this station's menu." })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  servicePointId?: string;
}
