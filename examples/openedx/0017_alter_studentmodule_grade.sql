--
-- Alter field grade on studentmodule (FloatField -> a float column: a type change, COPY)
--
ALTER TABLE `courseware_studentmodule` MODIFY `grade` float NULL;
