--
-- Add field stats_updated to studentmodule
--
ALTER TABLE `courseware_studentmodule` ADD COLUMN `stats_updated` datetime(6) NULL;
--
-- Create index courseware_stats_idx on field(s) course_id, module_type, grade of model studentmodule
--
CREATE INDEX `courseware_stats_idx` ON `courseware_studentmodule` (`course_id`, `module_type`, `grade`);
