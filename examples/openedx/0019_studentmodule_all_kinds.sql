--
-- One of each kind Django emits, in one migration
--
ALTER TABLE `courseware_studentmodule` ADD COLUMN `reviewed` datetime(6) NULL;
CREATE INDEX `courseware_studentmodule_course_grade` ON `courseware_studentmodule` (`course_id`, `grade`);
ALTER TABLE `courseware_studentmodule` MODIFY `max_grade` float NULL;
ALTER TABLE `courseware_studentmodule` MODIFY `done` varchar(16) NOT NULL;
ALTER TABLE `courseware_studentmodule` ADD COLUMN `version` integer DEFAULT 1 NOT NULL;
ALTER TABLE `courseware_studentmodule` ALTER COLUMN `version` DROP DEFAULT;
